import MimicSpec

/// One view of an image that test-time augmentation averages the logits of: moved by
/// (dx, dy) with reflected borders, then mirrored if `flip`, weighted by `weight`.
public struct TestTimeView: Sendable, Equatable {
    public var flip: Bool
    public var dx: Int
    public var dy: Int
    public var weight: Float
    /// The image as it is (every set of views holds it once).
    public var isIdentity: Bool { !flip && dx == 0 && dy == 0 }

    public init(flip: Bool, dx: Int = 0, dy: Int = 0, weight: Float) {
        self.flip = flip
        self.dx = dx
        self.dy = dy
        self.weight = weight
    }

    /// The views of a mode, weights summing to 1 (the fast recipe's): `flip-shift` is the
    /// mean of the flip pair and of the four moved views, `(x + mirror) / 4 + (four moved) / 8`.
    public static func views(_ tta: TestTimeAugmentation) -> [TestTimeView] {
        switch tta {
        case .none: [TestTimeView(flip: false, weight: 1)]
        case .flip: [TestTimeView(flip: false, weight: 0.5), TestTimeView(flip: true, weight: 0.5)]
        case .flipShift:
            [TestTimeView(flip: false, weight: 0.25), TestTimeView(flip: true, weight: 0.25)]
                + [1, -1].flatMap { d in [false, true].map { TestTimeView(flip: $0, dx: d, dy: d, weight: 0.125) } }
        }
    }

    /// Writes the view of `count` images of `channels` x `height` x `width` floats.
    public func apply(_ images: UnsafePointer<Float>, count: Int, channels: Int, height: Int, width: Int,
                      into out: UnsafeMutablePointer<Float>) {
        let size = channels * height * width
        for n in 0..<count {
            var image = Array(UnsafeBufferPointer(start: images + n * size, count: size))
            if dx != 0 || dy != 0 {
                image = Augmentation.translate(image, channels: channels, height: height, width: width, dx: dx, dy: dy)
            }
            if flip { Augmentation.flip(&image, channels: channels, width: width) }
            (out + n * size).update(from: image, count: size)
        }
    }
}
