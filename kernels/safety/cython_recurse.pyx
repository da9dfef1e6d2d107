# The blog's nested-release example, verbatim apart from this comment: a
# ``nogil`` function whose body releases the GIL again and recurses, called at
# import time. On Cython 0.29 the inner ``with nogil`` calls
# PyEval_SaveThread() without a thread state (the outer block already dropped
# it) and CPython aborts; Cython 3 checks PyGILState_Check() first.

cdef int cython_recurse(int n) nogil:
    if n <= 0:
        return 0

    with nogil:
        return cython_recurse(n - 1)

cython_recurse(2)
