/* ticker.h - the host-clock alarm thread (src/ticker.c). */
#ifndef XBT_TICKER_H
#define XBT_TICKER_H

#include "xbt.h"

struct machine;
struct ticker;

struct ticker *ticker_start(struct machine *m);
/* Publishes the earliest timer deadline (guest ns, UINT64_MAX for none). */
void ticker_set(struct ticker *t, uint64_t deadline);
/* The deadline it waits for: UINT64_MAX after it fired (any thread). */
uint64_t ticker_deadline(const struct ticker *t);
void ticker_stop(struct ticker *t);

#endif
