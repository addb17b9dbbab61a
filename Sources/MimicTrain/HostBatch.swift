/// One batch in host memory, filled by the background thread.
final class HostBatch: @unchecked Sendable {
    let input: UnsafeMutablePointer<Float>
    let teacher: UnsafeMutablePointer<Float>
    let labels: UnsafeMutablePointer<Float>
    /// The augmented images before normalisation, for an ensemble teacher.
    let raw: UnsafeMutablePointer<Float>

    init(batch: Int, inputSize: Int, classes: Int) {
        input = .allocate(capacity: batch * inputSize)
        raw = .allocate(capacity: batch * inputSize)
        teacher = .allocate(capacity: batch * classes)
        labels = .allocate(capacity: batch)
    }

    deinit {
        input.deallocate()
        raw.deallocate()
        teacher.deallocate()
        labels.deallocate()
    }
}

struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
