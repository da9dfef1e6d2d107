/* Clock calibration: a chain of dependent integer adds.
 *
 * Each add needs the result of the previous one, so however wide the core is
 * it retires at most one of them per cycle (integer add latency is 1 cycle on
 * every x86-64 and AArch64 core we know of). Timing N such adds therefore
 * measures the effective clock of the core without hardware counters (perf
 * reports them unsupported on the VMs this project runs on).
 *
 * Why the empty asm: it tells the compiler that x may have changed after every
 * add, so it can neither fold the 64 adds of a block into one multiply nor
 * vectorise the chain. The loop counter runs on other ALU ports in parallel,
 * so it costs nothing once a block holds 64 adds.
 */
#include <stdint.h>

#define RTG_STEP(x, y)                                                         \
  do {                                                                         \
    (x) += (y);                                                                \
    __asm__ volatile("" : "+r"(x));                                            \
  } while (0)
#define RTG_STEP8(x, y)                                                        \
  RTG_STEP(x, y); RTG_STEP(x, y); RTG_STEP(x, y); RTG_STEP(x, y);              \
  RTG_STEP(x, y); RTG_STEP(x, y); RTG_STEP(x, y); RTG_STEP(x, y)

/* Adds per block: the Python side multiplies blocks by this. */
const uint64_t rtg_adds_per_block = 64;

/* Run ``blocks`` x 64 dependent adds of ``step`` onto ``seed``; return the sum
 * (seed + 64 * blocks * step mod 2^64), which the caller checks so a chain
 * that did not run cannot pass unnoticed. */
uint64_t rtg_add_chain(uint64_t blocks, uint64_t seed, uint64_t step) {
  uint64_t x = seed;
  uint64_t y = step;
  __asm__ volatile("" : "+r"(y)); /* y is opaque: no constant folding */
  for (uint64_t i = 0; i < blocks; i++) {
    RTG_STEP8(x, y); RTG_STEP8(x, y); RTG_STEP8(x, y); RTG_STEP8(x, y);
    RTG_STEP8(x, y); RTG_STEP8(x, y); RTG_STEP8(x, y); RTG_STEP8(x, y);
  }
  return x;
}
