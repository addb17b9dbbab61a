/// How weights start: Glorot uniform (the paper's), or PyTorch's default for linear and
/// convolutional layers (weights and biases uniform in +-1/sqrt(fan_in)); both times a scale.
public enum InitScheme: String, Sendable, Equatable, CaseIterable {
    case glorot
    case fanInUniform = "fan-in-uniform"
}
