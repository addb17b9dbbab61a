import MimicGraph
import MimicKernels

extension ExecutionPlan {
    /// Every parameter and state value as a tensor, read from a checkpoint's flat arrays at the
    /// offsets this plan gives them (the layout training and inference plans share); nil when
    /// the arrays are too short for this plan. (An executor keeps at least one float of each,
    /// so a network without state has a checkpoint with one.)
    public func trainedValues(parameters: [Float], state: [Float]) -> [ValueID: Tensor]? {
        guard parameters.count >= parameterCount, state.count >= stateCount else { return nil }
        var values: [ValueID: Tensor] = [:]
        for value in graph.values {
            let (array, offset): ([Float], Int)
            switch storage[value.id] {
            case .parameters(let o)?: (array, offset) = (parameters, o)
            case .state(let o)?: (array, offset) = (state, o)
            default: continue
            }
            values[value.id] = Tensor(shape: value.shape, data: Array(array[offset..<(offset + value.elementCount)]))
        }
        return values
    }
}
