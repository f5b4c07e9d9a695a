"""Which BLAS a Python process runs, for the benchmarks' reference lines (torch_train.py, sgemm.py)."""

import ctypes
import re


def describe():
    """The BLAS libraries loaded in this process: threadpoolctl's report where installed, else the
    libraries mapped into it (OpenBLAS says which core kernel it picked). Load the BLAS first."""
    found = []
    try:
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            if lib["user_api"] == "blas":
                found.append(f"{lib['internal_api']} {lib['version']} ({lib.get('architecture')}, {lib['filepath']})")
    except ImportError:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if re.search(r"/lib[^/]*blas[^/]*\.so", line)})
        described = {}  # description -> paths: Debian maps libblas.so.3 and libopenblas as two files
        for path in paths:
            lib = ctypes.CDLL(path)
            if hasattr(lib, "openblas_get_corename"):
                lib.openblas_get_corename.restype = lib.openblas_get_config.restype = ctypes.c_char_p
                what = f"{lib.openblas_get_config().decode().strip()}, core {lib.openblas_get_corename().decode()}"
            else:
                what = "a BLAS that does not name its kernel"
            described.setdefault(what, []).append(path)
        found = [f"{what} ({', '.join(paths)})" for what, paths in described.items()]
    return found or ["no BLAS library found in the process"]


def openblas_threads():
    """Threads of the OpenBLAS in this process, or None: torch.set_num_threads does not reach a
    pthreads OpenBLAS (Debian's), which runs one thread per core unless OPENBLAS_NUM_THREADS says."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if re.search(r"/lib[^/]*blas[^/]*\.so", line)})
    for path in paths:
        lib = ctypes.CDLL(path)
        if hasattr(lib, "openblas_get_num_threads"):
            return lib.openblas_get_num_threads()
    return None
