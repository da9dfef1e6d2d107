/* Safety case for ctypes: C that calls back into Python, which calls C again.
 *
 * Called through ctypes.CDLL, every entry into recurse() releases the GIL,
 * the ctypes callback re-acquires it (PyGILState_Ensure) to run Python, and
 * that Python releases it again by calling recurse() through CDLL: nested
 * releases, n levels deep.
 */
#include <stdint.h>

typedef uint64_t (*callback_t)(uint64_t);

uint64_t recurse(uint64_t n, callback_t callback)
{
    if (n == 0) {
        return 0;
    }
    return callback(n - 1) + 1;
}
