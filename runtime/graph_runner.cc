#include "onyx/session.h"
