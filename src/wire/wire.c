#include "wire/wire.h"

static const char *const reason_names[WR__MAX] = {
#define WIRE_REASON_STR(n, s) [WR_##n] = s,
  WIRE_REASONS(WIRE_REASON_STR)
#undef WIRE_REASON_STR
};

const char *wire_reason_str(enum wire_reason r)
{
  if ((unsigned)r >= WR__MAX) return "unknown";
  return reason_names[r];
}
