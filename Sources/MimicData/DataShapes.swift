import MimicBasics
import MimicSpec

/// Checks a spec's model against its data set before shapes are inferred, and fills in what
/// the spec leaves to the data: `model.input` and `model.classes` of an npy set (from the
/// files' headers and labels), CIFAR-100's classes, and an npy set's training and validation
/// counts. CIFAR and the synthetic set are 3x32x32; their files need not be present. npy files
/// are read when they are there; a missing file is an error only when something must come
/// from it (the run reports it otherwise, when it loads the data).
public enum DataShapes {
    public static func resolve(_ spec: inout Spec) -> [Diagnostic] {
        guard var model = spec.model, var data = spec.data else { return [] }
        var diagnostics = DiagnosticBag()
        switch data.dataset {
        case .cifar10, .cifar100, .synthetic:
            // The built-in sets are 3x32x32; the synthetic one has CIFAR-10's ten classes.
            let cifar = CIFARBinary.of(data)
            let classes = cifar?.classes ?? SyntheticData.classes
            let name = cifar?.name ?? "the synthetic set"
            check(&model, input: [3, 32, 32], from: "\(name)'s images", into: &diagnostics)
            if model.classesGiven, model.classes != classes {
                let labels = data.dataset == .cifar100 ? " \(data.labels.rawValue)" : ""
                diagnostics.error(.dataMismatch, "model.classes is \(model.classes), but \(name) has \(classes)\(labels) classes",
                                  at: model.classesLocation,
                                  notes: data.dataset == .cifar100 ? [DiagnosticNote("'data.labels: fine' has 100 classes, 'coarse' 20")] : [])
            }
            if !model.classesGiven { model.classes = classes }
        case .npy:
            guard let files = data.files else { return [] }
            resolveNpy(&model, &data, files, into: &diagnostics)
        }
        spec.model = model
        spec.data = data
        return diagnostics.diagnostics
    }

    /// An error's message without its hint (a diagnostic has notes for that).
    static func reason(_ error: Error) -> String { (error as? DataError)?.message ?? "\(error)" }

    static func check(_ model: inout Model, input: [Int], from source: String, at file: SourceLocation? = nil,
                      into diagnostics: inout DiagnosticBag) {
        if !model.inputGiven {
            model.input = input
        } else if model.input != input {
            diagnostics.error(.dataMismatch, "model.input is \(model.input), but \(source) are \(input) [channels, height, width]",
                              at: model.inputLocation,
                              notes: (file.map { [DiagnosticNote("the images are read from here", at: $0)] } ?? [])
                                  + [DiagnosticNote("leave 'model.input' out to take it from the data")])
        }
    }

    static func resolveNpy(_ model: inout Model, _ data: inout DataConfig, _ files: NpyFiles, into diagnostics: inout DiagnosticBag) {
        let train = files.train.images
        let header: NumpyArray.Header, shape: (count: Int, chw: [Int])
        do {
            header = try NumpyArray.readHeader(train.value)
            shape = try NpyDataset.imageShape(header, layout: files.layout, path: train.value)
        } catch {
            // Nothing to check against; only what must come from the files is an error.
            if !model.inputGiven || !model.classesGiven {
                let missing = [model.inputGiven ? nil : "model.input", model.classesGiven ? nil : "model.classes"].compactMap { $0 }
                diagnostics.error(.dataMismatch, "cannot take \(missing.joined(separator: " and ")) from the data: \(reason(error))", at: train.location,
                                  notes: [DiagnosticNote("write them in the spec, or make the file a readable .npy file")])
            }
            return
        }
        if files.layout == .nhwc, header.shape.count == 4, header.shape[1] <= 4, header.shape[3] > 4 {
            diagnostics.warning(.dataMismatch, "'\(train.value)' has shape \(header.shapeText), which looks like [N, C, H, W]; data.layout is nhwc",
                                at: train.location, notes: [DiagnosticNote("write 'layout: nchw' under 'data' if the channels come second")])
        }
        check(&model, input: shape.chw, from: "the images of '\(train.value)'", at: train.location, into: &diagnostics)
        if !model.inputGiven {
            // Lowering could not check augmentation against a shape it did not know.
            for problem in data.augment.problems(input: shape.chw) {
                diagnostics.error(.dataMismatch, "data.augment: \(problem)", at: data.augment.location,
                                  notes: [DiagnosticNote("the images of '\(train.value)' are \(shape.chw) [channels, height, width]", at: train.location)])
            }
        }
        // An unreadable validation file is the run's to report, as any missing file is.
        let validationRecords = files.validation.flatMap { try? NumpyArray.readHeader($0.images.value).shape.first }
        if files.validation == nil || validationRecords != nil {
            do {
                let counts = try NpyDataset.counts(data, trainRecords: shape.count, validationRecords: validationRecords)
                data.train = counts.train
                data.validation = counts.validation
            } catch {
                diagnostics.error(.dataMismatch, reason(error), at: data.location)
            }
        }
        guard let labels = try? NumpyArray.readLabels(files.train.labels.value), let top = labels.max() else {
            if !model.classesGiven {
                diagnostics.error(.dataMismatch, "cannot take model.classes from '\(files.train.labels.value)': it is missing, unreadable or empty",
                                  at: files.train.labels.location)
            }
            return
        }
        if !model.classesGiven {
            model.classes = max(2, top + 1)
        } else if top >= model.classes {
            diagnostics.error(.dataMismatch, "model.classes is \(model.classes), but '\(files.train.labels.value)' has label \(top)",
                              at: model.classesLocation,
                              notes: [DiagnosticNote("labels are 0 to classes - 1", at: files.train.labels.location)])
        }
    }
}
