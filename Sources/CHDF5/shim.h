// libhdf5 (serial) from Debian's libhdf5-dev. The H5T_/H5P_ constants are macros that Swift cannot import
// (and their _g globals are not concurrency-safe in Swift 6), so they are exposed as inline functions.
#include "/usr/include/hdf5/serial/hdf5.h"
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
