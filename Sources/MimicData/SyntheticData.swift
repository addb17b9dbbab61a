import MimicBasics
import MimicSpec

/// The built-in synthetic data set: deterministic for a seed, 3x32x32, 10 classes. Each class
/// is a small coloured motif (5x5) placed at a random position on a noisy background, so the
/// label is a local feature that can be anywhere: convolutions (shared weights, pooling) learn
/// it from far fewer examples than a fully connected network, as with natural images. The
/// hard set makes the motif faint, the background noisy, and adds a distractor: a random
/// pattern of the same size and strength elsewhere in the image.
public enum SyntheticData {
    public static let side = 32
    public static let classes = 10
    static let motifSide = 5

    /// Motif strength, background noise amplitude and distractors of a difficulty.
    static func recipe(_ difficulty: SyntheticDifficulty) -> (strength: Float, noise: Float, distractors: Int) {
        switch difficulty {
        case .easy: (0.5, 0.12, 0)
        case .hard: (0.4, 0.3, 1)
        }
    }

    public static func generate(train: Int, validation: Int, test: Int, seed: UInt64,
                                difficulty: SyntheticDifficulty = .easy) -> Splits {
        let (strength, noise, distractors) = recipe(difficulty)
        var motifGenerator = SeededGenerator(seed: 0x5EED_0F_C1A55E5)  // the classes are fixed
        let motifs: [[Float]] = (0..<classes).map { _ in
            (0..<(3 * motifSide * motifSide)).map { _ in motifGenerator.nextUnit() < 0.5 ? -1 : 1 }
        }
        func make(_ count: Int, _ stream: UInt64) -> ImageSet {
            var g = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ stream)
            var pixels = [UInt8](repeating: 0, count: count * 3 * side * side)
            var labels = [UInt8](repeating: 0, count: count)
            var image = [Float](repeating: 0, count: 3 * side * side)
            for n in 0..<count {
                let label = Int(g.next() % UInt64(classes))
                labels[n] = UInt8(label)
                for i in 0..<image.count { image[i] = 0.5 + noise * (g.nextUnit() - 0.5) }
                paste(motifs[label], strength: strength, into: &image, &g)
                for _ in 0..<distractors {
                    let pattern = (0..<(3 * motifSide * motifSide)).map { _ in g.nextUnit() < 0.5 ? Float(-1) : 1 }
                    paste(pattern, strength: strength, into: &image, &g)
                }
                for i in 0..<image.count { pixels[n * image.count + i] = UInt8(max(0, min(255, image[i] * 255)).rounded()) }
            }
            return ImageSet(channels: 3, height: side, width: side, pixels: pixels, labels: labels)
        }
        return Splits(train: make(train, 1), validation: make(validation, 2), test: make(test, 3),
                      trainOffset: 0, validationOffset: train)
    }

    static func paste(_ motif: [Float], strength: Float, into image: inout [Float], _ g: inout SeededGenerator) {
        let y = Int(g.next() % UInt64(side - motifSide + 1)), x = Int(g.next() % UInt64(side - motifSide + 1))
        for c in 0..<3 {
            for u in 0..<motifSide {
                for v in 0..<motifSide {
                    image[(c * side + y + u) * side + x + v] += strength * motif[(c * motifSide + u) * motifSide + v]
                }
            }
        }
    }
}
