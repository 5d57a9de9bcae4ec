// libhdf5 (serial) from Debian's libhdf5-dev. The H5T_/H5P_ constants are macros that Swift cannot import
// (and their _g globals are not concurrency-safe in Swift 6), so they are exposed as inline functions.
#include "/usr/include/hdf5/serial/hdf5.h"
#include <string.h>
#include <stdio.h>
static inline hid_t ch5_native_float(void)     { return H5T_NATIVE_FLOAT; }
static inline hid_t ch5_native_double(void)    { return H5T_NATIVE_DOUBLE; }
static inline hid_t ch5_native_int8(void)      { return H5T_NATIVE_INT8; }
static inline hid_t ch5_native_int32(void)     { return H5T_NATIVE_INT32; }
static inline hid_t ch5_native_int64(void)     { return H5T_NATIVE_INT64; }
static inline hid_t ch5_c_s1(void)             { return H5T_C_S1; }
static inline hid_t ch5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t ch5_p_file_access(void)    { return H5P_FILE_ACCESS; }
static inline unsigned ch5_acc_trunc(void)     { return H5F_ACC_TRUNC; }
static inline unsigned ch5_acc_excl(void)      { return H5F_ACC_EXCL; }
static inline unsigned ch5_acc_rdwr(void)      { return H5F_ACC_RDWR; }
static inline unsigned ch5_acc_rdonly(void)    { return H5F_ACC_RDONLY; }
static inline hsize_t ch5_unlimited(void)      { return H5S_UNLIMITED; }
static inline size_t  ch5_variable(void)       { return H5T_VARIABLE; }
static inline hid_t ch5_p_dataset_access(void) { return H5P_DATASET_ACCESS; }
static inline hid_t ch5_default(void)          { return H5P_DEFAULT; }

// Collects the current thread's HDF5 error stack into `buf` (innermost first, "; "-separated), so that a
// failed call can be reported with the library's own words. Returns the number of entries seen.
typedef struct { char *buf; size_t cap; unsigned count; } ch5_error_sink;
static herr_t ch5_error_walk_cb(unsigned n, const H5E_error2_t *err, void *data) {
    ch5_error_sink *sink = (ch5_error_sink *)data;
    (void)n;
    if (err == NULL || sink->cap == 0) return 0;
    size_t used = strlen(sink->buf);
    if (used + 1 >= sink->cap) return 0;
    const char *desc = err->desc ? err->desc : "(no description)";
    const char *func = err->func_name ? err->func_name : "?";
    char minor[128] = "";
    H5E_type_t kind;
    if (H5Eget_msg(err->min_num, &kind, minor, sizeof minor) < 0) minor[0] = 0;
    snprintf(sink->buf + used, sink->cap - used, "%s%s: %s%s%s%s", used ? "; " : "", func, desc,
             minor[0] ? " (" : "", minor, minor[0] ? ")" : "");
    sink->count += 1;
    return 0;
}
static inline unsigned ch5_error_message(char *buf, size_t cap) {
    if (cap == 0) return 0;
    buf[0] = 0;
    ch5_error_sink sink = { buf, cap, 0 };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, ch5_error_walk_cb, &sink);
    return sink.count;
}
// Silences the library's own printing of error stacks for the calling thread (stacks are per-thread in a
// thread-safe build, so the store calls this whenever it takes the HDF5 lock).
static inline void ch5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

// Reserves `length` bytes of disk beyond `offset` for the file without changing its size (Linux fallocate
// FALLOC_FL_KEEP_SIZE), so that writes into that range cannot fail for a full disk. -1 with errno on failure
// (EOPNOTSUPP where the file system or platform cannot reserve).
#include <errno.h>
#ifdef __linux__
#include <linux/falloc.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
static inline int ch5_reserve_space(int fd, long long offset, long long length) {
#ifdef __linux__
    return (int)syscall(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE, (long long)offset, (long long)length);
#else
    (void)fd; (void)offset; (void)length;
    errno = EOPNOTSUPP;
    return -1;
#endif
}
