/// The JSON Schema of spec format version 1, printed by `mimicc schema`. A copy lives at
/// `grammar/mimicc-spec.schema.json` for editors (`mimicc schema > grammar/mimicc-spec.schema.json`
/// writes it; a test keeps the two identical). The schema checks keys, types and ranges;
/// `mimicc lint` checks everything else. Each layer kind's settings come from the kind
/// (`LayerKind.schema`), so a new kind is described where it is defined.
public enum SpecJSONSchema {
    /// The kinds that may be written as a bare word (`- flatten`).
    static let bareLayers = Layer.kinds.filter { $0.settingsOptional }.map { "\"\($0.keyword)\"" }.joined(separator: ", ")

    /// Each kind's settings, as properties of the one-key layer mapping.
    static let layerSchemas = Layer.kinds.map { kind in
        kind.schema.split(separator: "\n", omittingEmptySubsequences: false).map { "           " + $0 }.joined(separator: "\n")
    }.joined(separator: ",\n")

    public static let text = #"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://mimicc.dev/schema/spec-v1.json",
  "title": "mimicc spec, format version 1",
  "description": "One experiment: model, parameter budget, data, teacher, training and search. Normative prose: grammar/README.md. mimicc lint checks more than this schema can (shapes, search paths, extends).",
  "type": "object",
  "additionalProperties": false,
  "required": ["mimicc"],
  "if": {"not": {"anyOf": [{"properties": {"abstract": {"const": true}}, "required": ["abstract"]}, {"required": ["extends"]}]}},
  "then": {"required": ["model"]},
  "properties": {
    "mimicc": {"const": 1, "description": "Spec format version."},
    "name": {"type": "string", "minLength": 1, "description": "Run name; defaults to the file name without extension. Not inherited."},
    "extends": {"type": "string", "minLength": 1, "description": "A base spec, relative to this file. Maps merge deeply, this file wins, lists replace."},
    "abstract": {"type": "boolean", "default": false, "description": "A base spec that is only extended; required keys may be missing."},
    "model": {"$ref": "#/$defs/model"},
    "data": {"$ref": "#/$defs/data"},
    "teacher": {"$ref": "#/$defs/teacher"},
    "train": {"$ref": "#/$defs/train"},
    "search": {"$ref": "#/$defs/search"},
    "study": {"$ref": "#/$defs/study"}
  },
  "$defs": {
    "positiveInt": {"type": "integer", "minimum": 1},
    "width": {
      "description": "A layer width, or 'dependent' to solve it from the budget.",
      "oneOf": [{"type": "integer", "minimum": 1}, {"const": "dependent"}]
    },
    "activation": {"enum": ["relu", "gelu", "tanh", "sigmoid", "none"], "default": "relu"},
    "model": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "input": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 3, "maxItems": 3, "default": [3, 32, 32]},
        "classes": {"type": "integer", "minimum": 2, "default": 10},
        "layers": {"type": "array", "items": {"$ref": "#/$defs/layer"}},
        "architecture": {"type": "string", "minLength": 1, "description": "Compact notation, e.g. 76c3^2-mp2-126c3^2-mp2-148c3^4-mp2-1200fc^2 (grammar/architecture.ebnf)."},
        "budget": {"$ref": "#/$defs/budget"},
        "output": {
          "type": "object", "additionalProperties": false,
          "description": "The implicit output layer of 'classes' linear units.",
          "properties": {
            "bias": {"type": "boolean", "default": true},
            "scale": {"type": "number", "not": {"const": 0}, "description": "Multiplies the logits."}
          }
        }
      },
      "not": {"required": ["layers", "architecture"]}
    },
    "budget": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "params": {
          "oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": "^[0-9][0-9_,]*(\\.[0-9]+)?[kKMG]?$"}],
          "description": "Parameter count: 1M, 3.16M, 31.6M, 250k or 1000000."
        },
        "tolerance": {
          "oneOf": [{"type": "number", "minimum": 0, "maximum": 0.5}, {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?%$"}],
          "default": "1%"
        }
      }
    },
    "layer": {
      "oneOf": [
        {"enum": [\#(bareLayers)]},
        {"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1,
         "properties": {
\#(layerSchemas)
         }}
      ]
    },
    "data": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "dataset": {"enum": ["cifar10", "cifar100", "npy", "synthetic"]},
        "path": {"type": "string", "minLength": 1, "description": "Where cifar10 and cifar100 files are."},
        "train": {"type": "integer", "minimum": 1, "default": 40000, "description": "npy: default the rest of the training file."},
        "validation": {"type": "integer", "minimum": 0, "default": 10000, "description": "npy: default the whole validation file; required without one."},
        "labels": {"enum": ["fine", "coarse"], "default": "fine", "description": "cifar100: 100 fine classes or 20 coarse ones."},
        "difficulty": {"enum": ["easy", "hard"], "default": "easy", "description": "synthetic: a faint motif, noise and a distractor when hard."},
        "layout": {"enum": ["nhwc", "nchw"], "default": "nhwc", "description": "npy: axis order of 4-D image files."},
        "files": {
          "type": "object", "additionalProperties": false, "required": ["train", "test"],
          "description": "npy: image and label files per split, relative to the spec.",
          "properties": {
            "train": {"$ref": "#/$defs/imageFiles"},
            "validation": {"$ref": "#/$defs/imageFiles"},
            "test": {"$ref": "#/$defs/imageFiles"}
          }
        },
        "normalize": {"enum": ["per-image", "per-channel", "none"], "default": "per-image"},
        "input-scale": {"type": "number", "exclusiveMinimum": 0, "default": 1},
        "seed": {"type": "integer", "minimum": 0, "default": 0},
        "augment": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "flip": {"type": "boolean", "default": false},
            "translate": {"type": "integer", "minimum": 0, "default": 0, "description": "Pixels of random shift each way, borders reflected."},
            "crop-rescale": {"type": "object", "additionalProperties": false, "properties": {
              "min": {"type": "integer", "minimum": 1}, "max": {"type": "integer", "minimum": 1}}},
            "hsv": {"type": "object", "additionalProperties": false, "properties": {
              "dh": {"type": "number", "minimum": 0, "maximum": 0.5},
              "ds": {"type": "number", "minimum": 0, "maximum": 1},
              "dv": {"type": "number", "minimum": 0, "maximum": 1},
              "as": {"type": "number", "minimum": 0, "maximum": 1},
              "av": {"type": "number", "minimum": 0, "maximum": 1}}}
          }
        }
      }
    },
    "imageFiles": {
      "type": "object", "additionalProperties": false, "required": ["images", "labels"],
      "properties": {
        "images": {"type": "string", "minLength": 1, "description": "uint8 or float32 .npy, [N, H, W, C], [N, C, H, W] or [N, H, W]."},
        "labels": {"type": "string", "minLength": 1, "description": "Integer .npy, one label per image."}
      }
    },
    "teacher": {
      "type": "object",
      "additionalProperties": false,
      "minProperties": 1,
      "maxProperties": 1,
      "properties": {
        "logits": {"type": "object", "additionalProperties": false, "properties": {
          "train": {"type": "string", "minLength": 1},
          "test": {"type": "string", "minLength": 1},
          "train-flip": {"type": "string", "minLength": 1}}},
        "ensemble": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        "trained": {"type": "object", "additionalProperties": false, "required": ["spec"],
          "description": "A teacher spec trained as 'members' runs (seeds 1..members), its logits exported once and cached.",
          "properties": {
            "spec": {"type": "string", "minLength": 1},
            "members": {"type": "integer", "minimum": 1, "maximum": 64, "default": 1}}}
      }
    },
    "train": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "loss": {"oneOf": [
          {"enum": ["mimic", "cross-entropy", "kd"]},
          {"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1, "properties": {
            "mimic": {"type": ["object", "null"], "additionalProperties": false, "properties": {
              "reduce": {"enum": ["sum", "mean"], "default": "sum",
                "description": "Over the logits: sum (the paper's L2; its curvature grows with the class count) or mean (the sum / classes)."}}},
            "cross-entropy": {"type": ["object", "null"], "additionalProperties": false, "properties": {
              "label-smoothing": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0}}},
            "kd": {"type": ["object", "null"], "additionalProperties": false, "properties": {
              "temperature": {"type": "number", "exclusiveMinimum": 0, "default": 4},
              "alpha": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.9}}}}}
        ]},
        "optimizer": {"oneOf": [{"const": "adam"}, {"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1, "properties": {
          "sgd": {"type": "object", "additionalProperties": false, "properties": {
            "lr": {"type": "number", "exclusiveMinimum": 0},
            "momentum": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0},
            "nesterov": {"type": "boolean", "default": false},
            "weight-decay": {"type": "number", "minimum": 0, "default": 0},
            "decoupled-decay": {"type": "boolean", "default": false, "description": "A step shrinks a weight by weight-decay times the schedule's factor, whatever its rate."},
            "multipliers": {"$ref": "#/$defs/multipliers"}}},
          "adam": {"type": ["object", "null"], "additionalProperties": false, "properties": {
            "lr": {"type": "number", "exclusiveMinimum": 0, "default": 0.001},
            "beta1": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0.9},
            "beta2": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0.999},
            "epsilon": {"type": "number", "exclusiveMinimum": 0, "default": 1e-8},
            "weight-decay": {"type": "number", "minimum": 0, "default": 0},
            "multipliers": {"$ref": "#/$defs/multipliers"}}}}}]},
        "init": {"oneOf": [
          {"enum": ["glorot", "fan-in-uniform"]},
          {"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1, "properties": {
            "glorot": {"type": ["number", "null"], "exclusiveMinimum": 0, "default": 1},
            "fan-in-uniform": {"type": ["number", "null"], "exclusiveMinimum": 0, "default": 1}}}
        ]},
        "batch": {"type": "integer", "minimum": 1, "default": 128},
        "epochs": {"type": "integer", "minimum": 1},
        "schedule": {"oneOf": [
          {"enum": ["constant", "cosine", "plateau", "one-cycle", "warmup-linear"]},
          {"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1, "properties": {
            "constant": {"type": ["object", "null"], "additionalProperties": false},
            "step": {"type": "object", "additionalProperties": false, "properties": {
              "every": {"type": "integer", "minimum": 1},
              "factor": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.1}}},
            "one-cycle": {"type": ["object", "null"], "additionalProperties": false, "properties": {
              "warmup": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.1},
              "start-ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.04},
              "min-lr-ratio": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0.000004},
              "momentum": {"type": "array", "items": {"type": "number", "minimum": 0, "exclusiveMaximum": 1}, "minItems": 2, "maxItems": 2}}},
            "warmup-linear": {"type": ["object", "null"], "additionalProperties": false, "properties": {
              "warmup": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0.23},
              "start-ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.2},
              "end-ratio": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.07}}},
            "cosine": {"type": ["object", "null"], "additionalProperties": false, "properties": {
              "min-lr-ratio": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0}}},
            "plateau": {"type": ["object", "null"], "additionalProperties": false, "properties": {
              "factor": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.5},
              "patience": {"type": "integer", "minimum": 1, "default": 10},
              "cooldown": {"type": "integer", "minimum": 0, "default": 8},
              "stop-patience": {"type": "integer", "minimum": 1, "default": 30},
              "min-lr-ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.0005}}}}}
        ]},
        "seed": {"type": "integer", "minimum": 0, "default": 0},
        "tested": {"enum": ["best", "last"], "default": "best"},
        "lookahead": {"type": ["object", "null"], "additionalProperties": false,
          "description": "Every 'every' steps the weights move to a trailing average; after the last step they become it.",
          "properties": {
            "every": {"type": "integer", "minimum": 1, "default": 5},
            "decay": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0.95},
            "power": {"type": "number", "minimum": 0, "default": 3}}},
        "tta": {"enum": ["none", "flip", "flip-shift"], "default": "none",
          "description": "Views of each test image whose logits are averaged (also by 'mimicc logits')."},
        "threads": {"oneOf": [{"type": "integer", "minimum": 1}, {"const": "auto"}], "default": "auto"},
        "clip-grad-norm": {"type": "number", "exclusiveMinimum": 0,
          "description": "Scale each step's gradients (all parameters together) down to this L2 norm when above it."}
      }
    },
    "search": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "method": {"enum": ["bayes", "random", "grid"]},
        "trials": {"type": "integer", "minimum": 1},
        "objective": {"const": "validation-accuracy", "default": "validation-accuracy"},
        "report": {"type": "object", "additionalProperties": false, "properties": {
          "top": {"type": "integer", "minimum": 1, "default": 5}}},
        "seed": {"type": "integer", "minimum": 0, "default": 0},
        "fidelity": {
          "type": "object", "additionalProperties": false, "required": ["min-epochs"],
          "description": "Successive halving (Hyperband with brackets > 1): rungs of min-epochs x reduction^k epochs, then train.epochs; the best 1/reduction of each rung continue from their checkpoints.",
          "properties": {
            "min-epochs": {"type": "integer", "minimum": 1},
            "reduction": {"type": "integer", "minimum": 2, "default": 3},
            "brackets": {"type": "integer", "minimum": 1, "default": 1}}},
        "start": {"enum": ["random", "spec"], "default": "random",
          "description": "spec: trial 0 trains the spec's own values."},
        "seeds": {"enum": ["per-trial", "spec"], "default": "per-trial",
          "description": "per-trial: each trial's train.seed is drawn from search.seed and the trial's index."},
        "space": {
          "type": "object",
          "minProperties": 1,
          "description": "Spec paths such as train.optimizer.sgd.lr or model.layers[0].conv.filters, each with a distribution.",
          "propertyNames": {"pattern": "^[A-Za-z][A-Za-z0-9_-]*(\\[[0-9]+\\])*(\\.[A-Za-z][A-Za-z0-9_-]*(\\[[0-9]+\\])*)*$"},
          "additionalProperties": {"$ref": "#/$defs/distribution"}
        }
      }
    },
    "study": {
      "type": "object",
      "additionalProperties": false,
      "required": ["family"],
      "description": "The spec's place in a study: its family (a line of the report) and role.",
      "properties": {
        "family": {"type": "string", "minLength": 1, "pattern": "^[^,\\n]+$"},
        "role": {"enum": ["student", "baseline", "teacher"], "default": "student"}
      }
    },
    "multipliers": {
      "type": "object", "additionalProperties": false,
      "description": "Learning-rate and weight-decay multipliers by parameter kind: weights (rank 2 and above) and biases (biases, batchnorm scales and shifts).",
      "properties": {
        "weights": {"$ref": "#/$defs/kind-multipliers"},
        "biases": {"$ref": "#/$defs/kind-multipliers"}}
    },
    "kind-multipliers": {
      "type": "object", "additionalProperties": false, "properties": {
        "lr": {"type": "number", "exclusiveMinimum": 0, "default": 1},
        "weight-decay": {"type": "number", "minimum": 0, "default": 1}}
    },
    "distribution": {
      "type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1,
      "properties": {
        "uniform": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        "log-uniform": {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0}, "minItems": 2, "maxItems": 2},
        "int": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "choice": {"type": "array", "minItems": 1, "items": {"type": ["number", "string", "boolean"]}}
      }
    }
  }
}
"""#
}
