// Comparisons (Less, Greater, Equal, LessOrEqual, GreaterOrEqual: bool output), logical
// And/Or/Xor/Not on bool, BitShift and the Bitwise* ops on integers.
#include <limits>
#include <string>

#include "elementwise/binary.h"
#include "elementwise/unary.h"

namespace onyx {
namespace {

using ew::BinaryKernel;
using ew::BinaryOp;
using ew::UnaryKernel;
using ew::UnaryOp;

struct CompareOp : BinaryOp {
  static constexpr bool kBoolOut = true;
  static constexpr DTypeMask kMask = kMaskNumeric;
};

struct LessOp : CompareOp {
  template <class C>
  bool operator()(const C& a, const C& b) const { return a < b; }
};
struct GreaterOp : CompareOp {
  template <class C>
  bool operator()(const C& a, const C& b) const { return a > b; }
};
struct LessOrEqualOp : CompareOp {
  template <class C>
  bool operator()(const C& a, const C& b) const { return a <= b; }
};
struct GreaterOrEqualOp : CompareOp {
  template <class C>
  bool operator()(const C& a, const C& b) const { return a >= b; }
};
struct EqualOp : CompareOp {
  static constexpr DTypeMask kMask = kMaskAll;
  template <class C>
  bool operator()(const C& a, const C& b) const { return a == b; }
};

struct AndOp : BinaryOp {
  static constexpr DTypeMask kMask = mask_of(DType::kBool);
  bool operator()(bool a, bool b) const { return a && b; }
};
struct OrOp : BinaryOp {
  static constexpr DTypeMask kMask = mask_of(DType::kBool);
  bool operator()(bool a, bool b) const { return a || b; }
};
struct XorOp : BinaryOp {
  static constexpr DTypeMask kMask = mask_of(DType::kBool);
  bool operator()(bool a, bool b) const { return a != b; }
};
struct NotOp : UnaryOp {
  static constexpr DTypeMask kMask = mask_of(DType::kBool);
  bool operator()(bool a) const { return !a; }
};

struct BitShiftOp : BinaryOp {
  static constexpr DTypeMask kMask = kMaskUnsigned;
  bool left = false;
  Status init(const PrepareContext& ctx) {
    if (!ctx.has_attr("direction")) {
      return ctx.fail(Code::kInvalidModel, "required attribute 'direction' is missing");
    }
    std::string dir;
    ONYX_TRY(ctx.attr_string("direction", &dir, ""));
    if (dir != "LEFT" && dir != "RIGHT") {
      return ctx.fail(Code::kInvalidModel, "attribute 'direction' must be \"LEFT\" or \"RIGHT\", got \"",
                      dir, "\"");
    }
    left = dir == "LEFT";
    return Status();
  }
  // Shifting by the bit width or more gives 0 (in C++ that would be undefined).
  template <class C>
  C operator()(C x, C s) const {
    if (s >= static_cast<C>(std::numeric_limits<C>::digits)) return C(0);
    using W = ew::wrap_t<C>;
    return static_cast<C>(left ? static_cast<W>(x) << s : static_cast<W>(x) >> s);
  }
};

struct BitwiseAndOp : BinaryOp {
  static constexpr DTypeMask kMask = kMaskInt;
  template <class C>
  C operator()(C a, C b) const { return static_cast<C>(a & b); }
};
struct BitwiseOrOp : BinaryOp {
  static constexpr DTypeMask kMask = kMaskInt;
  template <class C>
  C operator()(C a, C b) const { return static_cast<C>(a | b); }
};
struct BitwiseXorOp : BinaryOp {
  static constexpr DTypeMask kMask = kMaskInt;
  template <class C>
  C operator()(C a, C b) const { return static_cast<C>(a ^ b); }
};
struct BitwiseNotOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskInt;
  template <class C>
  C operator()(C a) const { return static_cast<C>(~a); }
};

}  // namespace

std::unique_ptr<Kernel> make_Less() { return make_kernel<BinaryKernel<LessOp>>(); }
std::unique_ptr<Kernel> make_Greater() { return make_kernel<BinaryKernel<GreaterOp>>(); }
std::unique_ptr<Kernel> make_LessOrEqual() { return make_kernel<BinaryKernel<LessOrEqualOp>>(); }
std::unique_ptr<Kernel> make_GreaterOrEqual() { return make_kernel<BinaryKernel<GreaterOrEqualOp>>(); }
std::unique_ptr<Kernel> make_Equal() { return make_kernel<BinaryKernel<EqualOp>>(); }
std::unique_ptr<Kernel> make_And() { return make_kernel<BinaryKernel<AndOp>>(); }
std::unique_ptr<Kernel> make_Or() { return make_kernel<BinaryKernel<OrOp>>(); }
std::unique_ptr<Kernel> make_Xor() { return make_kernel<BinaryKernel<XorOp>>(); }
std::unique_ptr<Kernel> make_Not() { return make_kernel<UnaryKernel<NotOp>>(); }
std::unique_ptr<Kernel> make_BitShift() { return make_kernel<BinaryKernel<BitShiftOp>>(); }
std::unique_ptr<Kernel> make_BitwiseAnd() { return make_kernel<BinaryKernel<BitwiseAndOp>>(); }
std::unique_ptr<Kernel> make_BitwiseOr() { return make_kernel<BinaryKernel<BitwiseOrOp>>(); }
std::unique_ptr<Kernel> make_BitwiseXor() { return make_kernel<BinaryKernel<BitwiseXorOp>>(); }
std::unique_ptr<Kernel> make_BitwiseNot() { return make_kernel<UnaryKernel<BitwiseNotOp>>(); }

}  // namespace onyx
