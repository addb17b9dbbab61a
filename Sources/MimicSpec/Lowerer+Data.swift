import MimicBasics
import MimicYAML

extension Lowerer {
    static let dataKeys = ["dataset", "path", "train", "validation", "normalize", "input-scale", "augment", "seed", "labels",
                           "files", "layout", "difficulty"]
    static let augmentKeys = ["flip", "crop-rescale", "hsv", "translate"]
    static let hsvKeys = ["dh", "ds", "dv", "as", "av"]
    /// CIFAR-10 and CIFAR-100 have 50000 training images, split into training and validation sets.
    static let cifarTrainingImages = 50_000
    /// The keys that belong to one data set only.
    static let keysOfOneDataset: [String: Dataset] = ["labels": .cifar100, "files": .npy, "layout": .npy, "difficulty": .synthetic]

    /// `model` gives the [channels, height, width] augmentation must fit, unless the npy files
    /// supply it (`DataShapes` checks augmentation then).
    mutating func lowerData(_ node: Node, model: Model?) -> DataConfig? {
        guard let data = mapping(node, "data", allowed: Self.dataKeys) else { return nil }
        let dataset = required(data, "dataset", in: "data")
            .flatMap { choice($0, "data.dataset", among: Dataset.allCases.map(\.rawValue)) }
            .flatMap(Dataset.init(rawValue:))
        var usable = dataset.map { keysFit(data, $0) } ?? true  // false: a key of another data set, or unusable files
        let path = data["path"].flatMap { string($0, "data.path") }
        var files: NpyFiles?
        if dataset == .npy {
            files = required(data, "files", in: "data").flatMap { lowerFiles($0) }
            if files == nil { usable = false }
        }
        let layout = option(data, "layout", default: ImageLayout.nhwc)
        let labels = option(data, "labels", default: LabelKind.fine)
        let difficulty = option(data, "difficulty", default: SyntheticDifficulty.easy)
        // npy counts default to the files'; without a validation file, how many validate must be said.
        let countsFromFiles = dataset == .npy
        let validationFile = files?.validation != nil
        if countsFromFiles, files != nil, !validationFile, data["validation"] == nil {
            diagnostics.error(.missingKey, "'data' needs 'validation' when 'data.files' has no validation file", at: data.location,
                              notes: [DiagnosticNote("say how many training images after the first 'data.train' validate, or add 'files.validation'")])
        }
        let train = int(in: data, "train", "data.train", default: countsFromFiles ? 0 : 40_000, min: 1)
        let validation = int(in: data, "validation", "data.validation", default: countsFromFiles ? 0 : 10_000, min: 0)
        let normalize = option(data, "normalize", default: Normalization.perImage)
        let inputScale = double(in: data, "input-scale", "data.input-scale", default: 1, above: 0)
        let seed = int(in: data, "seed", "data.seed", default: 0, min: 0)
        let input = dataset == .npy && model?.inputGiven == false ? nil : model?.input ?? [3, 32, 32]
        var augment = data["augment"].map { lowerAugmentation($0, input: input) } ?? Augmentation()
        augment?.location = data["augment"]?.location ?? data.location

        if dataset == .cifar10 || dataset == .cifar100, let train, let validation, train + validation > Self.cifarTrainingImages {
            let at = data["validation"] ?? data["train"] ?? data
            let name = dataset == .cifar10 ? "CIFAR-10" : "CIFAR-100"
            outOfRange(at, "data.validation",
                       "leaves too few images: train + validation = \(train + validation) exceeds \(name)'s \(Self.cifarTrainingImages) training images",
                       notes: [DiagnosticNote("the paper trains on 40000 and validates on 10000")])
        }
        guard usable, let dataset, let train, let validation, let normalize, let inputScale, let seed, let augment,
              let layout, let labels, let difficulty
        else { return nil }
        files?.layout = layout
        var config = DataConfig(
            dataset: dataset, path: path, train: train, validation: validation, normalize: normalize,
            inputScale: inputScale, augment: augment, seed: seed, location: data.location)
        config.labels = labels
        config.difficulty = difficulty
        config.files = files
        config.trainFromFiles = countsFromFiles && data["train"] == nil
        config.validationFromFiles = countsFromFiles && data["validation"] == nil
        return config
    }

    /// Whether the keys suit the data set: no key of another one (`labels` is CIFAR-100's,
    /// `files` and `layout` npy's, `difficulty` the synthetic set's), no `path` for npy.
    private mutating func keysFit(_ data: Node, _ dataset: Dataset) -> Bool {
        var fit = true
        for (key, owner) in Self.keysOfOneDataset.sorted(by: { $0.key < $1.key }) where owner != dataset {
            guard let entry = data.entry(key) else { continue }
            diagnostics.error(.conflictingOptions, "'data.\(key)' is for 'dataset: \(owner.rawValue)', not '\(dataset.rawValue)'",
                              at: entry.key.location)
            fit = false
        }
        if dataset == .npy, let entry = data.entry("path") {
            diagnostics.error(.conflictingOptions, "'data.path' is not used by 'dataset: npy'", at: entry.key.location,
                              notes: [DiagnosticNote("name each file under 'data.files'; paths are relative to the spec")])
            fit = false
        }
        return fit
    }

    /// The value of a `data` key spelled as one of an enumeration's raw values.
    private mutating func option<E: CaseIterable & RawRepresentable>(_ data: Node, _ key: String, default value: E) -> E?
        where E.RawValue == String
    {
        guard let node = data[key] else { return value }
        return choice(node, "data.\(key)", among: E.allCases.map(\.rawValue)).flatMap(E.init(rawValue:))
    }

    /// `files: {train: {images, labels}, validation: {...}?, test: {...}}`, paths relative to
    /// the spec file that names them.
    private mutating func lowerFiles(_ node: Node) -> NpyFiles? {
        guard let files = mapping(node, "data.files", allowed: ["train", "validation", "test"]) else { return nil }
        func split(_ key: String) -> ImageFiles? {
            guard let body = files[key], let pair = mapping(body, "data.files.\(key)", allowed: ["images", "labels"]) else { return nil }
            let images = required(pair, "images", in: "data.files.\(key)")
                .flatMap { path($0, "data.files.\(key).images", relativeTo: SpecPath.directory(of: $0.location.file)) }
            let labels = required(pair, "labels", in: "data.files.\(key)")
                .flatMap { path($0, "data.files.\(key).labels", relativeTo: SpecPath.directory(of: $0.location.file)) }
            guard let images, let labels else { return nil }
            return ImageFiles(images: images, labels: labels)
        }
        let train = required(files, "train", in: "data.files").flatMap { _ in split("train") }
        let test = required(files, "test", in: "data.files").flatMap { _ in split("test") }
        let validation = files["validation"].map { _ in split("validation") }
        guard let train, let test, validation != .some(nil) else { return nil }
        return NpyFiles(train: train, validation: validation ?? nil, test: test, layout: .nhwc)
    }

    /// `input` nil: the shape is not known yet (taken from npy files later).
    private mutating func lowerAugmentation(_ node: Node, input: [Int]?) -> Augmentation? {
        let channels = input?[0] ?? 3, height = input?[1] ?? Int.max, width = input?[2] ?? Int.max
        guard let augment = mapping(node, "data.augment", allowed: Self.augmentKeys) else { return nil }
        var result = Augmentation()
        var ok = true
        if let flip = augment["flip"] {
            if let value = bool(flip, "data.augment.flip") { result.flip = value } else { ok = false }
        }
        if let crop = augment["crop-rescale"] {
            // S counts rows; the crop keeps the image's aspect ratio.
            if let range = lowerCrop(crop, imageSide: input == nil ? nil : height) { result.cropRescale = range } else { ok = false }
        }
        if let hsv = augment["hsv"] {
            if channels != 3 {
                diagnostics.error(.conflictingOptions, "'data.augment.hsv' shifts colours, but the images have \(channels) channel\(channels == 1 ? "" : "s")",
                                  at: augment.entry("hsv")?.key.location ?? hsv.location,
                                  notes: [DiagnosticNote("HSV shifts need RGB images (model.input [3, H, W]); use crops, flips or translation")])
                ok = false
            } else if let value = lowerHSV(hsv) { result.hsv = value } else { ok = false }
        }
        if let translate = augment["translate"] {
            // Reflection reaches at most side - 1 pixels.
            if let value = int(translate, "data.augment.translate", min: 0, max: input == nil ? nil : min(height, width) - 1) {
                result.translate = value
            } else {
                ok = false
            }
        }
        return ok ? result : nil
    }

    private mutating func lowerCrop(_ node: Node, imageSide: Int?) -> ClosedRange<Int>? {
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
