import MimicKernels
import MimicVocabulary

/// A dense layer's product, y [batch, n] = x [batch, k] Wᵀ, with its bias and activation. Where
/// the weights stay fixed between runs (inference plans: `KernelContext.parameterGeneration`)
/// and the CPU has a packed kernel, it multiplies by a copy of the weights packed once
/// (`PackedGEMM`), adding the bias and applying a ReLU as each tile is stored; elsewhere it is
/// one whole-batch GEMM followed by a pass for the bias and activation.
struct DenseProduct {
    let x: UnsafePointer<Float>
    let weight: UnsafePointer<Float>
    let outputs: Int, inputs: Int
    let packed: PackedWeights?

    /// The product of `matmul` (x [in], W [out, in]) as `context` will run it.
    init(_ matmul: Op, _ context: KernelContext) {
        x = UnsafePointer(context.memory(matmul.inputs[0]))
        weight = UnsafePointer(context.memory(matmul.inputs[1]))
        (outputs, inputs) = (context.shape(matmul.inputs[1])[0], context.shape(matmul.inputs[1])[1])
        packed = context.parameterGeneration != nil && PackedGEMM.available
            ? PackedWeights(weight, rows: outputs, columns: inputs, context) : nil
    }

    /// y = act(x Wᵀ + bias), with no bias when `bias` is nil.
    func run(_ context: KernelContext, bias: UnsafePointer<Float>?, activation: Activation, into y: UnsafeMutablePointer<Float>) {
        let (batch, n, k) = (context.batch, outputs, inputs)
        guard let packed else {
            context.gemm(.none, .transposed, m: batch, n: n, k: k, a: x, lda: k, b: weight, ldb: k, c: y, ldc: n)
            if let bias {
                Elementwise.rowBiasActivation(y, bias: bias, rows: batch, features: n, activation)
            } else if activation != .none {
                Elementwise.activate(activation, y, y, count: batch * n)
            }
            return
        }
        let weights = packed.current(context)
        let (x, relu) = (self.x, activation == .relu)
        context.parallel(PackedGEMM.items(m: batch, n: n)) { items, _ in
            PackedGEMM.multiply(m: batch, n: n, k: k, a: x, lda: k, packed: weights, bias: bias, relu: relu, c: y, ldc: n,
                                items: items)
        }
        if activation != .relu && activation != .none { Elementwise.activate(activation, y, y, count: batch * n) }
    }
}

/// A packed copy of a dense layer's weights, packed again whenever the executor's parameters
/// were replaced since (its `parameterGeneration` moved).
final class PackedWeights {
    let source: UnsafePointer<Float>
    let rows: Int, columns: Int
    let packed: UnsafeMutablePointer<Float>
    private var generation: Int?
    #if DEBUG
    /// The weights' bits when they were packed: debug builds (the tests) check that nothing
    /// changed them without moving the generation, which would leave this copy stale.
    private var fingerprint: UInt64 = 0
    #endif

    init(_ source: UnsafePointer<Float>, rows: Int, columns: Int, _ context: KernelContext) {
        self.source = source
        (self.rows, self.columns) = (rows, columns)
        packed = context.kernelBuffer(PackedGEMM.floats(n: rows, k: columns))
    }

    /// The packed weights for this run, packed first if the parameters changed.
    func current(_ context: KernelContext) -> UnsafePointer<Float> {
        if generation != context.parameterGeneration {
            let (source, rows, columns, packed) = (source, rows, columns, packed)
            context.parallel(PackedGEMM.panels(n: rows)) { panels, _ in
                PackedGEMM.pack(source, n: rows, k: columns, into: packed, panels: panels)
            }
            generation = context.parameterGeneration
            #if DEBUG
            fingerprint = Self.fingerprint(source, count: rows * columns)
            #endif
        }
        #if DEBUG
        precondition(Self.fingerprint(source, count: rows * columns) == fingerprint,
                     "internal error: a dense layer's weights changed without Executor.parametersChanged(); its packed copy is stale")
        #endif
        return UnsafePointer(packed)
    }

    #if DEBUG
    static func fingerprint(_ values: UnsafePointer<Float>, count: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<count { hash = (hash ^ UInt64(values[i].bitPattern)) &* 0x100_0000_01b3 }
        return hash
    }
    #endif
}
