// The discrete Fourier transform of one line, in double precision, shared by DFT and STFT.
// A Dft object is set up (in prepare) for a length n; transform() then needs no allocation:
// radix-2 Cooley-Tukey when n is a power of two, otherwise the direct O(n^2) sum with a
// twiddle table (exact periodic indexing, so no drift in the angles).
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace onyx::signal {

class Dft {
 public:
  // Sets up for length n (n >= 1). Allocates the twiddle table.
  void setup(int64_t n) {
    n_ = n;
    pow2_ = n > 0 && (n & (n - 1)) == 0;
    cos_.assign(static_cast<size_t>(n), 0.0);
    sin_.assign(static_cast<size_t>(n), 0.0);
    for (int64_t j = 0; j < n; ++j) {
      // Angles past pi are reflected (cos(2*pi*(n-j)/n), -sin(...)) for symmetric accuracy.
      const bool upper = 2 * j > n;
      const double a = 2.0 * std::numbers::pi * static_cast<double>(upper ? n - j : j) / static_cast<double>(n);
      cos_[static_cast<size_t>(j)] = std::cos(a);
      sin_[static_cast<size_t>(j)] = upper ? -std::sin(a) : std::sin(a);
    }
    // Exact values where the angle is a multiple of pi/2.
    if (n % 4 == 0) {
      cos_[static_cast<size_t>(n / 4)] = 0.0;
      sin_[static_cast<size_t>(n / 4)] = 1.0;
      cos_[static_cast<size_t>(3 * n / 4)] = 0.0;
      sin_[static_cast<size_t>(3 * n / 4)] = -1.0;
    }
    if (n % 2 == 0 && n > 0) {
      cos_[static_cast<size_t>(n / 2)] = -1.0;
      sin_[static_cast<size_t>(n / 2)] = 0.0;
    }
  }
  int64_t size() const { return n_; }
  // Bytes of scratch transform() needs for `in` and `out` together (2 complex lines).
  size_t scratch_bytes() const { return static_cast<size_t>(n_) * 4 * sizeof(double); }

  // out[k] = sum_j in[j] * exp(-+2*pi*i*j*k/n) for k in [0, n); interleaved (re, im) pairs.
  // The sign is + for the inverse transform (no 1/n scaling here). `in` and `out` must not
  // overlap.
  void transform(const double* in, double* out, bool inverse) const {
    const double sgn = inverse ? 1.0 : -1.0;
    if (pow2_) {
      fft(in, out, sgn);
      return;
    }
    const int64_t n = n_;
    for (int64_t k = 0; k < n; ++k) {
      double re = 0.0, im = 0.0;
      int64_t idx = 0;  // (j * k) mod n
      for (int64_t j = 0; j < n; ++j) {
        const double c = cos_[static_cast<size_t>(idx)];
        const double s = sgn * sin_[static_cast<size_t>(idx)];
        const double xr = in[2 * j], xi = in[2 * j + 1];
        re += xr * c - xi * s;
        im += xr * s + xi * c;
        idx += k;
        if (idx >= n) idx -= n;
      }
      out[2 * k] = re;
      out[2 * k + 1] = im;
    }
  }

 private:
  void fft(const double* in, double* out, double sgn) const {
    const int64_t n = n_;
    int bits = 0;
    while ((int64_t{1} << bits) < n) ++bits;
    for (int64_t i = 0; i < n; ++i) {
      int64_t r = 0;
      for (int b = 0; b < bits; ++b) {
        if ((i >> b) & 1) r |= int64_t{1} << (bits - 1 - b);
      }
      out[2 * r] = in[2 * i];
      out[2 * r + 1] = in[2 * i + 1];
    }
    for (int64_t len = 2; len <= n; len <<= 1) {
      const int64_t half = len / 2;
      const int64_t step = n / len;  // twiddle index stride
      for (int64_t start = 0; start < n; start += len) {
        for (int64_t j = 0; j < half; ++j) {
          const double c = cos_[static_cast<size_t>(j * step)];
          const double s = sgn * sin_[static_cast<size_t>(j * step)];
          double* a = out + 2 * (start + j);
          double* b = out + 2 * (start + j + half);
          const double tr = b[0] * c - b[1] * s;
          const double ti = b[0] * s + b[1] * c;
          b[0] = a[0] - tr;
          b[1] = a[1] - ti;
          a[0] += tr;
          a[1] += ti;
        }
      }
    }
  }

  int64_t n_ = 0;
  bool pow2_ = false;
  std::vector<double> cos_, sin_;
};

}  // namespace onyx::signal
