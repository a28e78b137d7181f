// Convolution throughput of the packed-GEMM path (and Winograd, for 3x3 stride-1 layers) on the
// ResNet-18 and SqueezeNet layer shapes, per ISA the machine has: GFLOP/s (2 * direct MACs /
// thread CPU time, median of repeated runs). Figures, not a test.
//   build/bench/conv_bench [--isa NAME] [--only TEXT]
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "prims/conv.h"
#include "prims/packed_gemm.h"
#include "prims/winograd.h"
#include "simd/isa.h"
#include "simd/kernels.h"

namespace {

struct Layer {
  const char* name;
  int64_t c, h, w, m, k, stride, pad;
};

// ResNet-18 at 224x224: every distinct convolution (with how often it occurs).
constexpr Layer kLayers[] = {
    {"conv1 7x7/2", 3, 224, 224, 64, 7, 2, 3},   {"l1 3x3 64", 64, 56, 56, 64, 3, 1, 1},
    {"l2 3x3/2 128", 64, 56, 56, 128, 3, 2, 1},  {"l2 3x3 128", 128, 28, 28, 128, 3, 1, 1},
    {"l2 1x1/2 128", 64, 56, 56, 128, 1, 2, 0},  {"l3 3x3/2 256", 128, 28, 28, 256, 3, 2, 1},
    {"l3 3x3 256", 256, 14, 14, 256, 3, 1, 1},   {"l4 3x3/2 512", 256, 14, 14, 512, 3, 2, 1},
    {"l4 3x3 512", 512, 7, 7, 512, 3, 1, 1},     {"l4 1x1/2 512", 256, 14, 14, 512, 1, 2, 0},
    // SqueezeNet 1.1's first convolution (K = 27) and its expand 3x3 convolutions.
    {"sq conv1 3x3/2", 3, 224, 224, 64, 3, 2, 0},
    {"sq 3x3 16>64", 16, 55, 55, 64, 3, 1, 1},   {"sq 3x3 32>128", 32, 27, 27, 128, 3, 1, 1},
    {"sq 3x3 48>192", 48, 13, 13, 192, 3, 1, 1}, {"sq 3x3 64>256", 64, 13, 13, 256, 3, 1, 1},
    {"sq 1x1 512>1000", 512, 13, 13, 1000, 1, 1, 0},
    // MobileNet-v2's pointwise projections and an expansion on 14x14 and 7x7 images.
    {"mb 1x1 576>96", 576, 14, 14, 96, 1, 1, 0},   {"mb 1x1 960>160", 960, 7, 7, 160, 1, 1, 0},
    {"mb 1x1 960>320", 960, 7, 7, 320, 1, 1, 0},   {"mb 1x1 160>960", 160, 7, 7, 960, 1, 1, 0},
};

// Thread CPU time: on a shared machine, time slices given to other processes do not count.
double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace onyx;
  std::vector<simd::Isa> isas;
  for (simd::Isa isa : {simd::Isa::kSse2, simd::Isa::kAvx2, simd::Isa::kAvx512, simd::Isa::kNeon, simd::Isa::kNeon64}) {
    if (simd::kernels_for(isa) != nullptr) isas.push_back(isa);
  }
  const char* only_layers = nullptr;  // --only TEXT: the layers whose name contains TEXT, nothing else
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--isa") == 0) {
      simd::Isa only;
      if (!simd::parse_isa(argv[i + 1], &only) || simd::kernels_for(only) == nullptr) {
        std::fprintf(stderr, "ISA %s not available\n", argv[i + 1]);
        return 2;
      }
      isas = {only};
    } else if (std::strcmp(argv[i], "--only") == 0) {
      only_layers = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: conv_bench [--isa NAME] [--only TEXT]\n");
      return 2;
    }
  }
  std::printf("%-14s %-7s %8s %8s\n", "layer", "isa", "ms", "GFLOP/s");
  // The micro-kernel alone on cache-resident panels: the ceiling the layers can approach.
  for (simd::Isa isa : isas) {
    if (only_layers != nullptr) break;
    const simd::SimdKernels* table = simd::kernels_for(isa);
    for (int t = 0; t < table->gemm_tiles; ++t) {
      const simd::SimdKernels::GemmTile& k = table->gemm[t];
      const int64_t kc = 256;
      std::vector<float> a(static_cast<size_t>(kc * k.mr), 0.5f), c(static_cast<size_t>(k.mr * k.nr));
      std::vector<float> bbuf(static_cast<size_t>(kc * k.nr + 16), 0.25f);
      float* b = bbuf.data() + (16 - (reinterpret_cast<uintptr_t>(bbuf.data()) % 64) / 4) % 16;
      const int reps = 20000;
      std::vector<double> times;
      for (int r = 0; r < 5; ++r) {
        const double t0 = now_s();
        for (int i = 0; i < reps; ++i)
          k.fn(kc, a.data(), b, k.nr, c.data(), k.nr, k.mr, k.nr, i > 0, false, simd::TileEpilogue{});
        times.push_back(now_s() - t0);
      }
      std::sort(times.begin(), times.end());
      const double flops = 2.0 * static_cast<double>(kc * k.mr * k.nr) * reps;
      char name[32];
      std::snprintf(name, sizeof name, "tile %dx%d", k.mr, k.nr);
      std::printf("%-14s %-7s %8.3f %8.1f\n", name, simd::isa_name(isa), times[2] * 1e3, flops / times[2] * 1e-9);
    }
  }
  for (const Layer& l : kLayers) {
    if (only_layers != nullptr && std::strncmp(only_layers, "dw", 2) == 0) break;
    if (only_layers != nullptr && std::strstr(l.name, only_layers) == nullptr) continue;
    const int64_t oh = (l.h + 2 * l.pad - l.k) / l.stride + 1, ow = (l.w + 2 * l.pad - l.k) / l.stride + 1;
    const int64_t kk = l.c * l.k * l.k, n = oh * ow;
    std::vector<float> x(static_cast<size_t>(l.c * l.h * l.w)), w(static_cast<size_t>(l.m * kk)),
        y(static_cast<size_t>(l.m * n));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) * 0.25f - 0.5f;
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 5) * 0.125f - 0.25f;
    // The input as the convolution reads it: zero-padded, as Conv does once per run.
    const int64_t hp = (oh - 1) * l.stride + l.k, wp = (ow - 1) * l.stride + l.k;
    std::vector<float> padded(static_cast<size_t>(l.c * hp * wp));
    prims::pad_planes(x.data(), l.h, l.w, l.pad, l.pad, hp, wp, 0, l.c, 0, hp, padded.data());
    prims::BSource src;
    src.x = padded.data();
    src.channels = l.c;
    src.in_h = hp;
    src.in_w = wp;
    src.kernel_h = src.kernel_w = l.k;
    src.stride_h = src.stride_w = l.stride;
    src.out_h = oh;
    src.out_w = ow;
    for (simd::Isa isa : isas) {
      prims::PackedGemm g;
      if (!g.pack(*simd::kernels_for(isa), w.data(), l.m, kk, kk, n).ok()) return 1;
      std::vector<unsigned char> scratch(g.scratch_bytes());
      std::vector<double> times;
      const double flops = 2.0 * static_cast<double>(l.m * kk * n);
      const int reps = std::max(3, static_cast<int>(2e9 / flops));
      for (int r = 0; r < reps; ++r) {
        const double t0 = now_s();
        g.run(src, y.data(), n, false, simd::TileEpilogue{}, scratch.data(), 0, n);
        times.push_back(now_s() - t0);
      }
      std::sort(times.begin(), times.end());
      const double t = times[times.size() / 2];
      std::printf("%-14s %-7s %8.3f %8.1f\n", l.name, simd::isa_name(isa), t * 1e3, flops / t * 1e-9);
      if (l.k != 3 || l.stride != 1) continue;
      // Winograd F(2x2, 3x3) on the same layer: GFLOP/s of the direct convolution's count.
      prims::Winograd3x3 wg;
      prims::ConvShape s;
      s.batch = 1;
      s.in_channels = l.c;
      s.out_channels = l.m;
      s.in = {l.h, l.w};
      s.out = {oh, ow};
      s.kernel = {3, 3};
      s.strides = s.dilations = {1, 1};
      s.pads = {l.pad, l.pad};
      if (!wg.pack(*simd::kernels_for(isa), w.data(), s).ok()) return 1;
      std::vector<unsigned char> wscratch(wg.scratch_bytes());
      times.clear();
      for (int r = 0; r < reps; ++r) {
        const double t0 = now_s();
        wg.run(x.data(), y.data(), nullptr, simd::TileEpilogue{}, wscratch.data(), {0, wg.tile_rows()});
        times.push_back(now_s() - t0);
      }
      std::sort(times.begin(), times.end());
      const double tw = times[times.size() / 2];
      std::printf("%-14s %-7s %8.3f %8.1f  winograd\n", l.name, simd::isa_name(isa), tw * 1e3, flops / tw * 1e-9);
    }
  }
  // MobileNet-v2's depthwise 3x3 convolutions (prims::conv_fast, the active ISA): ms per layer
  // and nanoseconds per output.
  struct Depthwise {
    const char* name;
    int64_t c, hw, stride;
  };
  constexpr Depthwise kDepthwise[] = {{"dw 112 32", 32, 112, 1},  {"dw 112/2 96", 96, 112, 2}, {"dw 56 144", 144, 56, 1},
                                      {"dw 56/2 144", 144, 56, 2}, {"dw 28 192", 192, 28, 1},  {"dw 14 384", 384, 14, 1},
                                      {"dw 14 576", 576, 14, 1},  {"dw 14/2 576", 576, 14, 2}, {"dw 7 960", 960, 7, 1}};
  std::printf("%-14s %-7s %8s %8s\n", "depthwise", "isa", "ms", "ns/out");
  for (const Depthwise& d : kDepthwise) {
    if (only_layers != nullptr && std::strstr(d.name, only_layers) == nullptr) continue;
    prims::ConvShape s;
    s.batch = 1;
    s.in_channels = s.out_channels = s.group = d.c;
    s.in = {d.hw, d.hw};
    s.kernel = {3, 3};
    s.strides = {d.stride, d.stride};
    s.dilations = {1, 1};
    s.pads = {1, 1};
    const int64_t o = (d.hw - 1) / d.stride + 1;
    s.out = {o, o};
    std::vector<float> x(static_cast<size_t>(d.c * d.hw * d.hw), 0.5f), w(static_cast<size_t>(d.c * 9), 0.25f),
        b(static_cast<size_t>(d.c), 0.0f), y(static_cast<size_t>(d.c * o * o));
    std::vector<unsigned char> scratch(prims::conv_scratch_bytes(s));
    std::vector<double> times;
    for (int r = 0; r < 50; ++r) {
      const double t0 = now_s();
      prims::conv_fast(s, x.data(), w.data(), b.data(), y.data(), scratch.data());
      times.push_back(now_s() - t0);
    }
    std::sort(times.begin(), times.end());
    const double t = times[times.size() / 2];
    std::printf("%-14s %-7s %8.3f %8.2f\n", d.name, simd::isa_name(simd::active_isa()), t * 1e3,
                t * 1e9 / static_cast<double>(y.size()));
  }
  return 0;
}
