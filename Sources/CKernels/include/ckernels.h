// Decode kernels that read ggml quantised blocks directly (no F32 copy of the weights):
// y[r] = dot(row r of W, x) for rows [row_begin, row_end), W stored as `cols / 32` blocks per row.
// Block layouts follow ggml (ggml/src/ggml-common.h): Q4_0 {f16 d; u8 qs[16]}, Q4_1 {f16 d, m; u8 qs[16]},
// Q8_0 {f16 d; i8 qs[32]}, Q5_0 {f16 d; u32 qh; u8 qs[16]} (bit j of qh: fifth bit of value j); 4-bit byte j holds
// value j (low nibble) and value j + 16 (high nibble). The K-quants Q4_K, Q5_K and Q6_K hold 256 values per super-block
// (cols must be a multiple of 256); their layouts are spelled out in quant_matvec_k.c.
// These take float32 activations, so results equal the dequantised-F32 product up to summation order.
#ifndef POLYGRAPH_CKERNELS_H
#define POLYGRAPH_CKERNELS_H
#include <stddef.h>

/// Q4_1 weights [rows, cols] (20 bytes per 32 values) times x [cols]: y[r] = Σ_b d_b·Σ q·x + m_b·Σ x.
void pg_matvec_q4_1(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
/// Q4_0 weights (18 bytes per 32 values): y[r] = Σ_b d_b·(Σ q·x − 8·Σ x).
void pg_matvec_q4_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
/// Q8_0 weights (34 bytes per 32 values): y[r] = Σ_b d_b·Σ q·x.
void pg_matvec_q8_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
/// Q5_0 weights (22 bytes per 32 values): y[r] = Σ_b d_b·(Σ q·x − 16·Σ x), q in 0..31.
void pg_matvec_q5_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
/// Q5_1 weights (24 bytes per 32 values: f16 d, m; u32 qh; u8 qs[16]): y[r] = Σ_b d_b·Σ q·x + m_b·Σ x, q in 0..31.
/// Its only kernels: every mode reads F32 x (llama.cpp's Q5_K_M falls back to it where rows are not whole 256s).
void pg_matvec_q5_1(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
/// Q4_K weights (144 bytes per 256 values): y[r] = Σ_j d·scale_j·Σ q·x − dmin·min_j·Σ x over 32-value sub-blocks j.
void pg_matvec_q4_k(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
/// Q5_K weights (176 bytes per 256 values): as Q4_K with q in 0..31. Its only kernels: every mode reads F32 x.
void pg_matvec_q5_k(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
/// Q6_K weights (210 bytes per 256 values): y[r] = Σ_j d·scale_j·Σ (q − 32)·x over 16-value sub-blocks j.
void pg_matvec_q6_k(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
/// Q2_K weights (84 bytes per 256 values): y[r] = Σ_j d·sc_j·Σ q·x − dmin·m_j·Σ x over 16-value sub-blocks j; Q3_K
/// (110 bytes): y[r] = Σ_j d·(sc_j − 32)·Σ q·x, q in −4..3 (quant_matvec_k_low.c). Their only kernels: every mode
/// reads F32 x.
void pg_matvec_q2_k(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
void pg_matvec_q3_k(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
/// IQ4_NL weights (18 bytes per 32 values) and IQ4_XS (136 bytes per 256; quant_matvec_iq4.c): y[r] = Σ_j d_j·Σ
/// level(q)·x, with the 16 int8 levels of kvalues_iq4nl. F32 x in `quantized` (on every CPU: no 24-bit kernels);
/// the _q8 forms below read pg_quantize_q8's int8 x in `quantizedInt8`.
void pg_matvec_iq4_nl(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
void pg_matvec_iq4_xs(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
/// F16 and BF16 weights (2 bytes per value; cols a multiple of 32; quant_matvec_f16.c): y[r] = Σ w·x. Their only
/// kernels: every mode reads F32 x.
void pg_matvec_f16(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);
void pg_matvec_bf16(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y);


// Int8 variants (as llama.cpp's vec_dot_*_q8_0): x is first quantised per block of 32 to int8 with scale
// dx = max|x| / 127 (pg_quantize_q8, which also returns sx = dx·Σq for the offset terms), then each block's
// dot product is an integer multiply-add. Faster, but x carries ~0.4% quantisation error. The K-quant variants
// read the same 32-value activation blocks (eight per super-block).
#include <stdint.h>
void pg_quantize_q8(const float *x, size_t cols, int8_t *qx, float *dx, float *sx);
void pg_matvec_q4_1_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y);
void pg_matvec_q4_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y);
void pg_matvec_q8_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y);
void pg_matvec_q5_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y);
void pg_matvec_q5_1_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y);
void pg_matvec_q4_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y);
void pg_matvec_q5_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y);
void pg_matvec_q6_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y);
void pg_matvec_q2_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y);
void pg_matvec_q3_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y);
void pg_matvec_iq4_nl_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                         const int8_t *qx, const float *dx, const float *sx, float *y);
void pg_matvec_iq4_xs_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                         const int8_t *qx, const float *dx, const float *sx, float *y);

// 24-bit activations for the `quantized` mode on AVX-512 VNNI (quant_matvec_q24.c): x is made an integer per 32
// values with 24 bits (error ≤ 2⁻²³ of the block's largest |x|), written as three int8 digit rows (qx [3, cols], dx
// and sx [3, cols / 32], high digit first; each row as pg_quantize_q8's, with scales d·2¹⁶, d·2⁸, d), and each product sums
// its digit rows' integer products: equal to the float product up to float rounding, for every block format `type`.
// pg_q24_supported: 1 when the CPU has AVX-512 VNNI and DQ (and POLYGRAPH_NO_AVX512 is unset).
int pg_q24_supported(void);
void pg_quantize_q24(const float *x, size_t cols, int8_t *qx, float *dx, float *sx);
void pg_matvec_q24(int type, const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                   const float *dx, const float *sx, float *y);
/// nx activation rows (qx [3·nx, cols], dx and sx [3·nx, cols / 32]) against W (`rows` rows; `packed`: NULL or its
/// pg_q8_pack_matrix copy): y[t·ldy + r], equal bit for bit to pg_matvec_q24 per activation row.
void pg_matmat_q24(int type, const void *w, const void *packed, size_t rows, size_t cols, size_t row_begin,
                   size_t row_end, const int8_t *qx, const float *dx, const float *sx, size_t nx, float *y,
                   size_t ldy);

// Batched decode (several sequences per step, each weight block read once for all of them): rows
// [row_begin, row_end) of W against nx activation rows x [nx, cols], y[t·ldy + r] = dot(row r, x_t). Each result
// equals, bit for bit, what the matvec kernel of the same type computes for that activation row alone.
#define PG_MATMAT_F32(name) void name(const void *w, size_t cols, size_t row_begin, size_t row_end, \
                                      const float *x, size_t nx, float *y, size_t ldy)
#define PG_MATMAT_Q8(name) void name(const void *w, size_t cols, size_t row_begin, size_t row_end, \
                                     const int8_t *qx, const float *dx, const float *sx, size_t nx, float *y, size_t ldy)
PG_MATMAT_F32(pg_matmat_q4_1); PG_MATMAT_F32(pg_matmat_q4_0); PG_MATMAT_F32(pg_matmat_q8_0);
PG_MATMAT_F32(pg_matmat_q5_0); PG_MATMAT_F32(pg_matmat_q4_k); PG_MATMAT_F32(pg_matmat_q5_k);
PG_MATMAT_F32(pg_matmat_q6_k); PG_MATMAT_F32(pg_matmat_f16); PG_MATMAT_F32(pg_matmat_bf16);
PG_MATMAT_F32(pg_matmat_q5_1); PG_MATMAT_F32(pg_matmat_q2_k); PG_MATMAT_F32(pg_matmat_q3_k);
PG_MATMAT_F32(pg_matmat_iq4_nl); PG_MATMAT_F32(pg_matmat_iq4_xs);
/// Int8 activations: qx [nx, cols], dx and sx [nx, cols / 32] (pg_quantize_q8 of each row).
PG_MATMAT_Q8(pg_matmat_q4_1_q8); PG_MATMAT_Q8(pg_matmat_q4_0_q8); PG_MATMAT_Q8(pg_matmat_q8_0_q8);
PG_MATMAT_Q8(pg_matmat_q5_0_q8); PG_MATMAT_Q8(pg_matmat_q4_k_q8); PG_MATMAT_Q8(pg_matmat_q6_k_q8);
PG_MATMAT_Q8(pg_matmat_q5_1_q8); PG_MATMAT_Q8(pg_matmat_q5_k_q8);
PG_MATMAT_Q8(pg_matmat_iq4_nl_q8); PG_MATMAT_Q8(pg_matmat_iq4_xs_q8);
PG_MATMAT_Q8(pg_matmat_q2_k_q8); PG_MATMAT_Q8(pg_matmat_q3_k_q8);

// Prefill on int8 activations (AVX-512 VNNI; gemm_vnni.c): y[nx, rows] = x[nx, cols] · Wᵀ for W [rows, cols] in block
// format `type` (ggml type id), x quantised per 32 values as for the _q8 kernels; rows split across the decode pool.
// pg_gemm_q8_supported: 1 when the CPU has AVX-512 VNNI and there is a kernel for `type` at this width.
int pg_gemm_q8_supported(int type, size_t cols);
void pg_gemm_q8(int type, const void *w, size_t rows, size_t cols, const float *x, size_t nx, float *y, int threads);
// A 32-value-format matrix (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) packed whole for the int8 GEMM tile, so batched int8 decode
// steps stop packing sixteen rows per call (quant_matvec_q8_vnni.c). pg_q8_packed_bytes: the bytes it takes (groups
// of sixteen rows: a byte per weight, half a byte for Q4_0 and Q4_1; a float scale per row and block, for Q4_1 and
// Q5_1 a float offset too), 0 when the
// CPU (AVX-512 VNNI and DQ) or the format has no packing. pg_q8_pack_matrix fills `out` (64-byte aligned, that many
// bytes) on up to `threads` threads of the decode pool; returns 1, or 0 (nothing written) without packing.
size_t pg_q8_packed_bytes(int type, size_t rows, size_t cols);
int pg_q8_pack_matrix(int type, const void *w, size_t rows, size_t cols, void *out, int threads);
// The batched int8 product on such a packed matrix of `rows` rows: output rows [row_begin, row_end) (row_begin a
// multiple of 16) for the nx activation rows, bit for bit as pg_matmat_*_q8 on the GGUF blocks; returns nx.
size_t pg_gemm_q8_packed(int type, const void *packed, size_t rows, size_t cols, size_t row_begin, size_t row_end,
                         const int8_t *qx, const float *dx, const float *sx, size_t nx, float *y, size_t ldy);
/// SwiGLU (Shazeer 2020) in place, up[i] = silu(gate[i]) · up[i], split across the decode pool; e^x from the
/// softmax's polynomial (within ~2 ulp of expf), so results differ from Kernels.swiglu's by rounding (int8 prefill).
void pg_swiglu_parallel(const float *gate, float *up, size_t count, int threads);
/// GeGLU's activation in place, up[i] = gelu_tanh(gate[i]) · up[i] as gate[i] · σ(2u) (the same function as
/// 0.5·g·(1 + tanh(u)), and more accurate where that form cancels), split across the decode pool with the same e^x
/// (Kernels.geluTanhGated is the scalar reference the tests compare it with).
void pg_gelu_tanh_parallel(const float *gate, float *up, size_t count, int threads);

/// Float32 GEMM on a chunk of weight rows (gemm_f32.c, AVX-512 or AVX2): y[t·ldy + r] = Σ_j x[t·k + j]·w[r·k + j]
/// for t < m, r < n; `pack` is scratch of at least 32·k floats, 64-byte aligned. Each result is one FMA chain over j
/// in order (independent of m, n, threads and vector width). pg_sgemm_rows_supported: 0 when POLYGRAPH_NO_TILE is set.
int pg_sgemm_rows_supported(void);
void pg_sgemm_rows(const float *x, size_t m, size_t k, const float *w, size_t n, float *y, size_t ldy, float *pack);

/// SHA-256 compression of `blocks` whole 64-byte blocks into `state` (FIPS 180-4; sha256_ni.c): with the x86 SHA
/// extensions when `accelerated`, the CPU has them and POLYGRAPH_NO_SHA_NI is unset (returns 1), else in plain C (0).
int pg_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks, int accelerated);

/// The model's confidence in `token` from `logits[0..<vocab]` (token_score.c): ln softmax(logits)[token] (−∞ for an id
/// outside the vocabulary), the entropy in nats and the top-1 − top-2 logit margin (0 with a single finite logit).
void pg_token_score(const float *logits, size_t vocab, int64_t token, float *logprob, float *entropy, float *margin);

/// The same scores with the vocabulary in bands (token_score.c): pg_score_begin, then pg_score_band for each band in
/// order (`target` the token's index within this band, or any index outside it), then pg_score_end. One band gives
/// pg_token_score's result bit for bit; several differ from it by rounding. pg_score_rows scores `rows` rows of `n`
/// logits each (a band of the vocabulary for several positions, row r against targets[r]).
typedef struct {
    float top1, top2, target;
    int32_t has_target;
    double sum, weighted;
} pg_score_state;
void pg_score_begin(pg_score_state *state);
void pg_score_band(const float *logits, size_t n, int64_t target, pg_score_state *state);
void pg_score_end(const pg_score_state *state, float *logprob, float *entropy, float *margin);
void pg_score_rows(const float *logits, size_t rows, size_t n, const int64_t *targets, pg_score_state *states);

/// Greedy sampling (token_score.c): the first index of the largest of x[0..<n], NaN skipped; 0 when no value is above
/// −∞ (as a scan keeping the first value greater than the best so far).
int64_t pg_argmax(const float *x, size_t n);

#endif
