import MimicBasics
import MimicYAML

extension Lowerer {
    static let dataKeys = ["dataset", "path", "train", "validation", "normalize", "input-scale", "augment", "seed"]
    static let augmentKeys = ["flip", "crop-rescale", "hsv", "translate"]
    static let hsvKeys = ["dh", "ds", "dv", "as", "av"]
    /// CIFAR-10 has 50000 training images, split into training and validation sets.
    static let cifar10TrainingImages = 50_000

    mutating func lowerData(_ node: Node, imageSide: Int) -> DataConfig? {
        guard let data = mapping(node, "data", allowed: Self.dataKeys) else { return nil }
        let dataset = required(data, "dataset", in: "data")
            .flatMap { choice($0, "data.dataset", among: Dataset.allCases.map(\.rawValue)) }
            .flatMap(Dataset.init(rawValue:))
        let path = data["path"].flatMap { string($0, "data.path") }
        let train = int(in: data, "train", "data.train", default: 40_000, min: 1)
        let validation = int(in: data, "validation", "data.validation", default: 10_000, min: 0)
        let normalize = data["normalize"].map {
            choice($0, "data.normalize", among: Normalization.allCases.map(\.rawValue)).flatMap(Normalization.init(rawValue:))
        } ?? .perImage
        let inputScale = double(in: data, "input-scale", "data.input-scale", default: 1, above: 0)
        let seed = int(in: data, "seed", "data.seed", default: 0, min: 0)
        let augment = data["augment"].map { lowerAugmentation($0, imageSide: imageSide) } ?? Augmentation()

        if dataset == .cifar10, let train, let validation, train + validation > Self.cifar10TrainingImages {
            let at = data["validation"] ?? data["train"] ?? data
            outOfRange(at, "data.validation",
                       "leaves too few images: train + validation = \(train + validation) exceeds CIFAR-10's \(Self.cifar10TrainingImages) training images",
                       notes: [DiagnosticNote("the paper trains on 40000 and validates on 10000")])
        }
        guard let dataset, let train, let validation, let normalize, let inputScale, let seed, let augment
        else { return nil }
        return DataConfig(
            dataset: dataset, path: path, train: train, validation: validation, normalize: normalize,
            inputScale: inputScale, augment: augment, seed: seed, location: data.location)
    }

    private mutating func lowerAugmentation(_ node: Node, imageSide: Int) -> Augmentation? {
        guard let augment = mapping(node, "data.augment", allowed: Self.augmentKeys) else { return nil }
        var result = Augmentation()
        var ok = true
        if let flip = augment["flip"] {
            if let value = bool(flip, "data.augment.flip") { result.flip = value } else { ok = false }
        }
        if let crop = augment["crop-rescale"] {
            if let range = lowerCrop(crop, imageSide: imageSide) { result.cropRescale = range } else { ok = false }
        }
        if let hsv = augment["hsv"] {
            if let value = lowerHSV(hsv) { result.hsv = value } else { ok = false }
        }
        if let translate = augment["translate"] {
            // Reflection reaches at most side - 1 pixels.
            if let value = int(translate, "data.augment.translate", min: 0, max: imageSide - 1) { result.translate = value } else { ok = false }
        }
        return ok ? result : nil
    }

    private mutating func lowerCrop(_ node: Node, imageSide: Int) -> ClosedRange<Int>? {
        guard let crop = mapping(node, "crop-rescale", allowed: ["min", "max"]) else { return nil }
        let lower = required(crop, "min", in: "crop-rescale").flatMap { int($0, "crop-rescale.min", min: 1, max: imageSide) }
        let upper = required(crop, "max", in: "crop-rescale").flatMap { int($0, "crop-rescale.max", min: 1, max: imageSide) }
        guard let lower, let upper else { return nil }
        guard lower <= upper else {
            outOfRange(crop["min"] ?? crop, "crop-rescale.min", "must not exceed max (\(upper)), found \(lower)")
            return nil
        }
        return lower...upper
    }

    private mutating func lowerHSV(_ node: Node) -> HSVShift? {
        guard let hsv = mapping(node, "hsv", allowed: Self.hsvKeys) else { return nil }
        var values: [String: Double] = [:]
        for key in Self.hsvKeys {
            let limit: Double = key == "dh" ? 0.5 : 1
            guard let field = required(hsv, key, in: "hsv"),
                let value = double(field, "hsv.\(key)", min: 0, max: limit)
            else { continue }
            values[key] = value
        }
        guard values.count == Self.hsvKeys.count else { return nil }
        return HSVShift(dh: values["dh"]!, ds: values["ds"]!, dv: values["dv"]!, as: values["as"]!, av: values["av"]!)
    }

    mutating func lowerTeacher(_ node: Node, relativeTo directory: String) -> Teacher? {
        guard let teacher = mapping(node, "teacher", allowed: ["logits", "ensemble", "trained"]) else { return nil }
        let given = ["logits", "ensemble", "trained"].filter { teacher[$0] != nil }
        if given.count > 1, let second = teacher[given[1]] {
            diagnostics.error(
                .conflictingOptions, "'teacher' gives both '\(given[0])' and '\(given[1])'", at: second.location,
                notes: [DiagnosticNote("keep one: precomputed logits, trained runs whose logits are averaged, or a teacher spec to train")])
            return nil
        }
        if let trained = teacher["trained"] {
            guard let body = mapping(trained, "teacher.trained", allowed: ["spec", "members"]) else { return nil }
            let spec = required(body, "spec", in: "teacher.trained").flatMap { path($0, "teacher.trained.spec", relativeTo: directory) }
            let members = int(in: body, "members", "teacher.trained.members", default: 1, min: 1, max: 64)
            guard let spec, let members else { return nil }
            return .trained(spec: spec, members: members)
        }
        switch (teacher["logits"], teacher["ensemble"]) {
        case (_?, let ensemble?):
            diagnostics.error(
                .conflictingOptions, "'teacher' gives both 'logits' and 'ensemble'", at: ensemble.location,
                notes: [DiagnosticNote("keep one: precomputed logits, or trained runs whose logits are averaged")])
            return nil
        case (let logits?, nil):
            guard let files = mapping(logits, "teacher.logits", allowed: ["train", "test", "train-flip"]) else { return nil }
            let train = required(files, "train", in: "teacher.logits").flatMap { path($0, "teacher.logits.train", relativeTo: directory) }
            let test = required(files, "test", in: "teacher.logits").flatMap { path($0, "teacher.logits.test", relativeTo: directory) }
            let flip = files["train-flip"].flatMap { path($0, "teacher.logits.train-flip", relativeTo: directory) }
            guard let train, let test else { return nil }
            return .logits(train: train, test: test, trainFlipped: flip)
        case (nil, let ensemble?):
            guard let runs = ensemble.sequence, !runs.isEmpty else {
                wrongType(ensemble, expected: "a non-empty list of run directories", for: "teacher.ensemble")
                return nil
            }
            let paths = runs.compactMap { path($0, "teacher.ensemble", relativeTo: directory) }
            return paths.count == runs.count ? .ensemble(paths) : nil
        case (nil, nil):
            diagnostics.error(.missingKey, "'teacher' needs 'logits', 'ensemble' or 'trained'", at: teacher.location)
            return nil
        }
    }

    /// A file path as written, resolved against the directory of the spec file that wrote it
    /// (so a path in an extended base file is relative to the base file).
    private mutating func path(_ node: Node, _ what: String, relativeTo fallback: String) -> Located<String>? {
        guard let text = string(node, what), !text.isEmpty else {
            if node.scalar != nil { wrongType(node, expected: "a non-empty path", for: what) }
            return nil
        }
        if text.hasPrefix("/") { return Located(text, at: node.location) }
        let directory = node.location.file.isEmpty ? fallback : SpecPath.directory(of: node.location.file)
        return Located(SpecPath.join(directory, text), at: node.location)
    }
}
