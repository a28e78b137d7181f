#include <doctest/doctest.h>

#include "op_test.h"

using namespace onyx;
using namespace onyx::test;
