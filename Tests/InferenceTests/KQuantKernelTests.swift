import CKernels
import Foundation
import Hooks
import Testing
@testable import GGUF
@testable import Inference

/// The decode kernels on Q5_0, Q5_1, Q2_K, Q3_K, IQ4_NL, IQ4_XS, Q4_K, Q5_K and Q6_K blocks against the GGUF module's dequantisers (the ground truth: they
/// are checked against the gguf package's reference vectors). Blocks are random bytes under random f16 scales,
/// extreme ones included (zero, subnormal, 65504, negative).
@Suite("Q5_0, Q5_1, K-quant and IQ4 decode kernels")
struct KQuantKernelTests {
    /// A random [rows, cols] matrix in its blocks, the same matrix dequantised by `Dequantize.run`, and per weight a
    /// bound on the magnitude of every term the kernels form for it (the tolerance scales with Σ bound·|x|).
    struct RandomMatrix {
        let type: GGMLType
        let rows: Int, cols: Int
        let blocks: [UInt8]
        let dense: [Float]
        let termBound: [Float]

        init(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) {
            var rng = SeededGenerator(state: seed)
            let extremes: [Float] = [0, 5.96e-8, 6.1e-5, 1e-3, 1, 250, 65504]
            /// A finite f16 scale: a quarter of the time an extreme one, else 0.001..0.1; either sign.
            func scale() -> Float {
                let magnitude =
                    rng.next() % 4 == 0
                    ? extremes[Int(rng.next() % UInt64(extremes.count))]
                    : 0.001 + abs(rng.nextSymmetric()) * 0.099
                return Float(Float16(rng.next() % 2 == 0 ? magnitude : -magnitude))
            }
            func half(_ f: Float) -> [UInt8] { let b = Float16(f).bitPattern; return [UInt8(b & 0xFF), UInt8(b >> 8)] }
            func randomBytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            var bytes: [UInt8] = [], bound: [Float] = []
            for _ in 0..<(rows * cols / type.blockSize) {
                switch type {
                case .q5_0:  // f16 d, u32 qh, u8 qs[16]; |q − 16| ≤ 16, Σ q·x and 16·Σ x each ≤ 31·|x|
                    let d = scale()
                    bytes += half(d) + randomBytes(20)
                    bound += Array(repeating: abs(d) * 47, count: 32)
                case .q5_1:  // f16 d, m, u32 qh, u8 qs[16]; q ≤ 31, and m·Σ x ≤ |m|·|x|
                    let d = scale(), m = scale()
                    bytes += half(d) + half(m) + randomBytes(20)
                    bound += Array(repeating: abs(d) * 31 + abs(m), count: 32)
                case .q2_K:  // u8 scales[16] (scale, min nibbles), u8 qs[64], f16 d, dmin; q ≤ 3
                    let d = scale(), dmin = scale()
                    bytes += randomBytes(80) + half(d) + half(dmin)
                    bound += Array(repeating: abs(d) * 15 * 3 + abs(dmin) * 15, count: 256)
                case .q3_K:  // u8 hmask[32], qs[64], scales[12], f16 d; |scale − 32| ≤ 32, |q| ≤ 4
                    let d = scale()
                    bytes += randomBytes(108) + half(d)
                    bound += Array(repeating: abs(d) * 32 * 4, count: 256)
                case .iq4_nl:  // f16 d, u8 qs[16]; |level| ≤ 127
                    let d = scale()
                    bytes += half(d) + randomBytes(16)
                    bound += Array(repeating: abs(d) * 127, count: 32)
                case .iq4_xs:  // f16 d, u16 scales_h, u8 scales_l[4], u8 qs[128]; |scale − 32| ≤ 32, |level| ≤ 127
                    let d = scale()
                    bytes += half(d) + randomBytes(134)
                    bound += Array(repeating: abs(d) * 32 * 127, count: 256)
                case .q4_K:  // f16 d, dmin, u8 scales[12], u8 qs[128]; scales and mins ≤ 63, q ≤ 15
                    let d = scale(), dmin = scale()
                    bytes += half(d) + half(dmin) + randomBytes(140)
                    bound += Array(repeating: abs(d) * 63 * 15 + abs(dmin) * 63, count: 256)
                case .q5_K:  // f16 d, dmin, u8 scales[12], u8 qh[32], u8 qs[128]; scales and mins ≤ 63, q ≤ 31
                    let d = scale(), dmin = scale()
                    bytes += half(d) + half(dmin) + randomBytes(172)
                    bound += Array(repeating: abs(d) * 63 * 31 + abs(dmin) * 63, count: 256)
                case .q6_K:  // u8 ql[128], qh[64], i8 scales[16] (value v: scale v / 16), f16 d; |q − 32| ≤ 32
                    let d = scale(), body = randomBytes(208)
                    bytes += body + half(d)
                    bound += (0..<256).map { abs(d) * abs(Float(Int8(bitPattern: body[192 + $0 / 16]))) * 32 }
                default:
                    preconditionFailure("RandomMatrix: \(type) is not generated here")
                }
            }
            var dense = [Float](repeating: 0, count: rows * cols)
            bytes.withUnsafeBytes { src in
                dense.withUnsafeMutableBufferPointer { dst in
                    _ = Dequantize.run(type, src.baseAddress!, dst.baseAddress!, elements: rows * cols)
                }
            }
            self.type = type; self.rows = rows; self.cols = cols; blocks = bytes; self.dense = dense; termBound = bound
        }

        /// The blocks as a QuantizedMatrix that owns a copy of them.
        var matrix: QuantizedMatrix {
            let raw = DecodePoolTests.RawBlocks(blocks)
            return QuantizedMatrix(type: type, rows: rows, cols: cols, data: raw.pointer, owner: raw)
        }

        /// The largest |y_r − Σ_c dense[r, c]·x_c| relative to the allowed `slack`·Σ_c bound[r, c]·|x_c| (≤ 1 passes).
        func worstError(_ y: [Float], _ x: [Float], slack: Double = 3e-5) -> Double {
            var worst: Double = 0
            for r in 0..<rows {
                var ref: Double = 0, allowed: Double = 1e-30
                for c in 0..<cols {
                    ref += Double(dense[r * cols + c]) * Double(x[c])
                    allowed += slack * Double(termBound[r * cols + c]) * Double(abs(x[c]))
                }
                worst = max(worst, abs(Double(y[r]) - ref) / allowed)
            }
            return worst
        }
    }

    /// x[cols]: mostly [-1, 1), every 37th value ×100, so that activation blocks differ in scale.
    static func activations(_ cols: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(state: seed)
        return (0..<cols).map { i in rng.nextSymmetric() * (i % 37 == 5 ? 100 : 1) }
    }

    /// x as the int8 kernels see it: pg_quantize_q8's quants times their block scale.
    static func int8Rounded(_ x: [Float]) -> [Float] {
        let blocks = x.count / 32
        var q = [Int8](repeating: 0, count: x.count), d = [Float](repeating: 0, count: blocks)
        var s = [Float](repeating: 0, count: blocks)
        pg_quantize_q8(x, x.count, &q, &d, &s)
        return x.indices.map { Float(q[$0]) * d[$0 / 32] }
    }

    static func product(_ m: QuantizedMatrix, _ x: [Float], int8: Bool, threads: Int = 1) -> [Float] {
        let y = FloatBuffer(count: m.rows)
        x.withUnsafeBufferPointer { m.matvec($0.baseAddress!, y.pointer, int8: int8, threads: threads) }
        return y.array(0..<m.rows)
    }

    // 4352 columns (17 super-blocks): the long-row path (rows walked one at a time).
    static let shapes: [(GGMLType, [Int])] = [
        (.q5_0, [32, 96, 896]), (.q5_1, [32, 96, 896]), (.q2_K, [256, 768, 4352]), (.q3_K, [256, 768, 4352]),
        (.iq4_nl, [32, 96, 896]), (.iq4_xs, [256, 768, 4352]), (.q4_K, [256, 768, 4352]), (.q5_K, [256, 768, 4352]),
        (.q6_K, [256, 1280, 4352]),
    ]

    @Test(
        "F32-activation kernels equal the dequantised product up to summation order",
        arguments: [GGMLType.q5_0, .q5_1, .q2_K, .q3_K, .iq4_nl, .iq4_xs, .q4_K, .q5_K, .q6_K])
    func exact(type: GGMLType) throws {
        let colsList = try #require(Self.shapes.first { $0.0 == type }?.1)
        for cols in colsList {
            for rows in [1, 3, 4, 5, 7, 9, 130] {
                let m = RandomMatrix(type, rows: rows, cols: cols, seed: UInt64(rows * 1000 + cols))
                let x = Self.activations(cols, seed: UInt64(cols + rows))
                let worst = m.worstError(Self.product(m.matrix, x, int8: false), x)
                #expect(worst <= 1, "\(type) rows \(rows) cols \(cols): error \(worst) of the allowed")
            }
        }
    }

    @Test(
        "Q2_K, Q3_K, IQ4_NL and IQ4_XS read F32 activations in quantized, int8 ones in quantizedInt8; a batched step's rows equal single products bit for bit",
        arguments: [GGMLType.q2_K, .q3_K, .iq4_nl, .iq4_xs])
    func floatOrInt8(type: GGMLType) throws {
        for cols in type.blockSize == 32 ? [96, 896] : [256, 4352] {
            let m = RandomMatrix(type, rows: 37, cols: cols, seed: UInt64(cols))
            let matrix = m.matrix
            let x = Self.activations(cols, seed: 5)
            let y = Self.product(matrix, x, int8: false)
            #expect(Self.product(matrix, x, int8: true) != y)  // the int8 kernels, not the F32 ones
            #expect(m.worstError(y, x) <= 1)
            let sequences = 11  // a tile of 8 where rows are short, one of 4 holding 3
            let xs = (0..<sequences).flatMap { Self.activations(cols, seed: UInt64(20 + $0)) }
            for int8 in [false, true] {
                let out = FloatBuffer(count: sequences * m.rows)
                xs.withUnsafeBufferPointer {
                    matrix.matvec($0.baseAddress!, out.pointer, sequences: sequences, int8: int8, threads: 2)
                }
                for t in 0..<sequences {
                    let single = Self.product(matrix, Array(xs[(t * cols)..<((t + 1) * cols)]), int8: int8)
                    #expect(
                        out.array((t * m.rows)..<((t + 1) * m.rows)) == single, "cols \(cols) row \(t) int8 \(int8)")
                }
            }
        }
    }

    @Test(
        "int8-activation kernels equal the dequantised product with x rounded as pg_quantize_q8 rounds it",
        arguments: [GGMLType.q5_0, .q5_1, .q2_K, .q3_K, .iq4_nl, .iq4_xs, .q4_K, .q5_K, .q6_K])
    func int8(type: GGMLType) throws {
        let colsList = try #require(Self.shapes.first { $0.0 == type }?.1)
        for cols in colsList {
            for rows in [1, 5, 8, 130] {
                let m = RandomMatrix(type, rows: rows, cols: cols, seed: UInt64(rows * 7 + cols))
                let x = Self.activations(cols, seed: UInt64(3 * cols + rows))
                let y = Self.product(m.matrix, x, int8: true)
                let rounded = Self.int8Rounded(x)
                let worst = m.worstError(y, rounded)
                #expect(worst <= 1, "\(type) rows \(rows) cols \(cols): error \(worst) of the allowed")
                // So its distance to the exact product is x's rounding, |Σ w·(x − x̂)| ≤ Σ |w|·|x − x̂| (plus float
                // rounding), and each |x − x̂| is at most half a step of its block.
                let exact = Self.product(m.matrix, x, int8: false)
                for r in 0..<rows {
                    var limit: Double = 0, floatSlack: Double = 1e-30
                    for c in 0..<cols {
                        #expect(
                            abs(x[c] - rounded[c]) <= 0.5001
                                * (x[(c / 32 * 32)..<(c / 32 * 32 + 32)].map(abs).max()! / 127))
                        limit += Double(abs(m.dense[r * cols + c])) * Double(abs(x[c] - rounded[c]))
                        floatSlack += 6e-5 * Double(m.termBound[r * cols + c]) * Double(abs(x[c]))
                    }
                    #expect(
                        Double(abs(y[r] - exact[r])) <= limit + floatSlack, "\(type) rows \(rows) cols \(cols) row \(r)"
                    )
                }
            }
        }
    }

    @Test(
        "24-bit activations (the quantized mode on AVX-512 VNNI) rebuild x to 2⁻²³ of its block and give the dequantised product of that x",
        .enabled(if: pg_q24_supported() != 0, "needs AVX-512 VNNI"),
        arguments: [GGMLType.q5_0, .q5_1, .q4_K, .q5_K, .q6_K])
    func digits24(type: GGMLType) throws {
        let cols = 1280 - (type == .q4_K ? 512 : 0), blocks = cols / 32
        var x = Self.activations(cols, seed: 11)
        for c in 64..<96 { x[c] = 0 }  // an all-zero block
        x[100] = 3e20  // a block whose scale is huge
        var q = [Int8](repeating: 0, count: 3 * cols), d = [Float](repeating: 0, count: 3 * blocks)
        var s = [Float](repeating: 0, count: 3 * blocks)
        pg_quantize_q24(x, cols, &q, &d, &s)
        var rebuilt = [Float](repeating: 0, count: cols)
        for b in 0..<blocks {
            // The step: the smallest power of two ≥ max|x| / (127 · 2¹⁶).
            let amax = x[(32 * b)..<(32 * b + 32)].map(abs).max()!, least = amax / 8_323_072
            let step2 = d[2 * blocks + b]
            #expect(d[b] == step2 * 65536 && d[blocks + b] == step2 * 256)
            #expect(amax == 0 ? step2 == 0 : step2 >= least && step2 / 2 < least && step2.significandBitPattern == 0)
            for k in 0..<3 {
                let sum = (0..<32).reduce(0) { $0 + Int(q[k * cols + 32 * b + $1]) }
                #expect(s[k * blocks + b] == d[k * blocks + b] * Float(sum), "block \(b) digit \(k)")
            }
            let step = Double(d[2 * blocks + b])
            for c in (32 * b)..<(32 * b + 32) {
                let a = Int(q[c]) * 65536 + Int(q[cols + c]) * 256 + Int(q[2 * cols + c])
                #expect(abs(a) <= 8_323_072)
                #expect(abs(Double(a) * step - Double(x[c])) <= 0.5 * step, "value \(c)")
                rebuilt[c] = Float(Double(a) * step)
            }
        }
        // The product is the dequantised one of the rebuilt x up to float rounding (a 20th of the F32 test's slack).
        for rows in [1, 5, 16, 37] {
            let m = RandomMatrix(type, rows: rows, cols: cols, seed: UInt64(rows + 5))
            let y = Self.product(m.matrix, x, int8: false)
            #expect(m.worstError(y, rebuilt, slack: 1.5e-6) <= 1, "\(type) rows \(rows)")
        }
        // NaN or ∞ in a block makes every product NaN, as in the float product.
        for bad in [Float.nan, .infinity] {
            var z = x
            z[7] = bad
            let m = RandomMatrix(type, rows: 3, cols: cols, seed: 9)
            let y = Self.product(m.matrix, z, int8: false)
            #expect(y.allSatisfy { $0.isNaN }, "\(bad)")
        }
    }

    /// (GGUF itself cannot hold a K-quant tensor whose rows are not whole super-blocks: the writer refuses it.)
    @Test("GGUF matrices of the new types get a kernel; other types and 1-D tensors do not")
    func dispatch() throws {
        var w = GGUFWriter()
        let cases: [(name: String, type: GGMLType, cols: Int, expectKernel: Bool)] = [
            ("q5_0_896", .q5_0, 896, true), ("q4k_768", .q4_K, 768, true), ("q6k_4864", .q6_K, 4864, true),
            ("q5k_256", .q5_K, 256, true), ("q5_1_64", .q5_1, 64, true), ("q3k_256", .q3_K, 256, true),
            ("q2k_512", .q2_K, 512, true), ("iq4xs_256", .iq4_xs, 256, true),
            ("iq4nl_64", .iq4_nl, 64, true), ("iq3s_256", .iq3_s, 256, false),
        ]
        let rows = 6
        var generated: [String: RandomMatrix] = [:]
        for c in cases {
            // Blocks of a type the generator does not know are plain random bytes (never multiplied).
            let known =
                [GGMLType.q5_0, .q5_1, .q2_K, .q3_K, .iq4_nl, .iq4_xs, .q4_K, .q5_K, .q6_K].contains(c.type)
                && c.cols % c.type.blockSize == 0
            let blocks: [UInt8]
            if known {
                let m = RandomMatrix(c.type, rows: rows, cols: c.cols, seed: UInt64(c.cols))
                generated[c.name] = m
                blocks = m.blocks
            } else {
                let bytes = (rows * c.cols + c.type.blockSize - 1) / c.type.blockSize * c.type.bytesPerBlock
                blocks = (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 37) }
            }
            try w.addTensor(name: c.name, dimensions: [c.cols, rows], type: c.type, blocks: blocks)
        }
        let vector = RandomMatrix(.q6_K, rows: 1, cols: 512, seed: 3)
        try w.addTensor(name: "q6k_vector", dimensions: [512], type: .q6_K, blocks: vector.blocks)
        let path = TestPaths.temporaryFile("kquant.gguf")
        try w.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try GGUFFile(path: path)
        for c in cases {
            let info = try #require(file.tensor(named: c.name))
            let q = QuantizedMatrix(file: file, tensor: info)
            #expect((q != nil) == c.expectKernel, "\(c.name)")
            if let q, let m = generated[c.name] {
                #expect(q.type == c.type && q.rows == rows && q.cols == c.cols)
                let x = Self.activations(c.cols, seed: 1)
                #expect(m.worstError(Self.product(q, x, int8: false), x) <= 1, "\(c.name)")
            }
        }
        #expect(QuantizedMatrix(file: file, tensor: try #require(file.tensor(named: "q6k_vector"))) == nil)
    }
}

@Suite(
    "Quantised decode on Qwen2.5-Coder Q4_K_M",
    .enabled(if: RealModelPaths.qwen.enabled, "needs the Qwen model and ../shared/golden"))
struct QwenQuantizedDecodeTests {
    @Test("every matrix decodes from its blocks and single-token steps match the F32 BLAS path")
    func decodeParity() throws {
        let quant = try #require(try SharedQwen.get().model as? DecoderModel).withDecodeMode(.quantized)
        let linears =
            quant.weights.layers.flatMap { [$0.q, $0.k, $0.v, $0.o, $0.gate, $0.up, $0.down] }
            + [quant.weights.output]
        #expect(linears.allSatisfy { $0.quantized != nil })
        let types = Set(linears.compactMap { $0.quantized?.type })
        #expect(types == [.q5_0, .q8_0, .q4_K, .q6_K], "\(types)")
        let f32 = try quant.withDecodeMode(.float32)
        let prompt: [Int32] = [151644, 872, 198, 3838, 374, 279, 6722, 315, 9625, 30, 151645, 198, 151644, 77091, 198]
        let filter: HookFilter = [.residPost(5), .residPost(23), .lnFinal]
        try expectDecodeStepsMatch(quant, f32, prompt: prompt, steps: [785, 6722, 315], filter: filter, label: "qwen2")
    }
}
