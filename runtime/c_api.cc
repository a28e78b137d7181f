#include "onyx.h"
