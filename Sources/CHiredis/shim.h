#ifndef INFINITIC_CHIREDIS_SHIM_H
#define INFINITIC_CHIREDIS_SHIM_H
// hiredis 0.14 (Debian libhiredis-dev). Only the non-variadic *Argv functions are used from Swift.
#include <hiredis/hiredis.h>
#include <sys/time.h>
#endif
