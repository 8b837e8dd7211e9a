/// One clip-level prediction: the labels ranked best first with their scores, or a failure.
public struct ClassificationPrediction: Equatable, Sendable {
    /// The clip path as the classifier saw it.
    public var path: String
    /// Labels, best first.
    public var labels: [String]
    /// Scores parallel to `labels` (may be empty).
    public var scores: [Double]
    /// Set when the classifier failed on this clip; the clip then counts as wrong.
    public var error: String?

    /// Makes a prediction record.
    public init(path: String, labels: [String], scores: [Double] = [], error: String? = nil) {
        self.path = path
        self.labels = labels
        self.scores = scores
        self.error = error
    }
}

/// One ground-truth row: a clip path and its label.
public struct LabeledClip: Equatable, Sendable {
    /// The clip path.
    public var path: String
    /// The true label.
    public var label: String

    /// Makes a ground-truth row.
    public init(path: String, label: String) {
        self.path = path
        self.label = label
    }
}

/// Clip classification metrics: top-1 / top-k accuracy, per-class accuracy and the confusion matrix.
///
/// Every ground-truth clip counts once. Predictions are matched by exact path, then by normalised
/// path, then by file name (PySlowFast-style CSVs often hold paths relative to another root). A clip
/// without a prediction, or whose prediction has an `error`, counts as wrong at every k and lands
/// in the confusion matrix's last column ("no prediction").
public struct ClassificationMetrics: Equatable, Sendable, Codable {
    /// Number of ground-truth clips.
    public var total: Int
    /// Ground-truth clips whose prediction reported an error.
    public var failures: Int
    /// Ground-truth clips with no prediction at all.
    public var missing: Int
    /// Predictions that matched no ground-truth clip (ignored).
    public var unmatchedPredictions: Int
    /// The k of `topK`.
    public var k: Int
    /// Fraction of clips whose best label is right.
    public var top1: Double
    /// Fraction of clips whose right label is among the first k.
    public var topK: Double
    /// Class names: the ground-truth labels, then any other predicted top-1 labels, each sorted.
    public var classes: [String]
    /// Top-1 accuracy per ground-truth class (classes with no clips are absent).
    public var perClassAccuracy: [String: Double]
    /// Mean of `perClassAccuracy` over the classes that have clips.
    public var meanClassAccuracy: Double
    /// `[classes.count][classes.count + 1]`: rows are true classes, columns the predicted top-1
    /// class, the last column "no prediction" (missing or failed).
    public var confusion: [[Int]]

    /// Scores predictions against the ground truth.
    public init(predictions: [ClassificationPrediction], groundTruth: [LabeledClip], k: Int = 5) {
        precondition(k >= 1, "ClassificationMetrics: k must be at least 1, got \(k)")
        var byPath = [String: Int]()
        var byNormalised = [String: Int]()
        var byName = [String: Int]()
        for (i, p) in predictions.enumerated() {
            if byPath[p.path] == nil { byPath[p.path] = i }
            let n = Self.normalised(p.path)
            if byNormalised[n] == nil { byNormalised[n] = i }
            let name = Self.fileName(p.path)
            if byName[name] == nil { byName[name] = i }
        }
        var matched = [Int?]()
        var used = Set<Int>()
        for clip in groundTruth {
            let i = byPath[clip.path] ?? byNormalised[Self.normalised(clip.path)] ?? byName[Self.fileName(clip.path)]
            matched.append(i)
            if let i { used.insert(i) }
        }
        let trueClasses = Set(groundTruth.map(\.label)).sorted()
        var extra = Set<String>()
        for i in used where predictions[i].error == nil {
            if let top = predictions[i].labels.first, !trueClasses.contains(top) { extra.insert(top) }
        }
        classes = trueClasses + extra.sorted()
        var index = [String: Int]()
        for (i, c) in classes.enumerated() { index[c] = i }

        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes.count + 1), count: classes.count)
        var correct1 = 0, correctK = 0, failures = 0, missing = 0
        var perClassTotal = [Int](repeating: 0, count: classes.count)
        var perClassCorrect = [Int](repeating: 0, count: classes.count)
        for (clip, m) in zip(groundTruth, matched) {
            let row = index[clip.label]!
            perClassTotal[row] += 1
            guard let m else { missing += 1; confusion[row][classes.count] += 1; continue }
            let p = predictions[m]
            guard p.error == nil, let top = p.labels.first else {
                failures += 1
                confusion[row][classes.count] += 1
                continue
            }
            confusion[row][index[top]!] += 1
            if top == clip.label { correct1 += 1; perClassCorrect[row] += 1 }
            if p.labels.prefix(k).contains(clip.label) { correctK += 1 }
        }
        total = groundTruth.count
        self.failures = failures
        self.missing = missing
        unmatchedPredictions = predictions.count - used.count
        self.k = k
        top1 = total == 0 ? .nan : Double(correct1) / Double(total)
        topK = total == 0 ? .nan : Double(correctK) / Double(total)
        var perClass = [String: Double]()
        for (i, c) in classes.enumerated() where perClassTotal[i] > 0 {
            perClass[c] = Double(perClassCorrect[i]) / Double(perClassTotal[i])
        }
        perClassAccuracy = perClass
        meanClassAccuracy = perClass.isEmpty ? .nan : perClass.values.reduce(0, +) / Double(perClass.count)
        self.confusion = confusion
    }

    /// Drops "./" segments and duplicate slashes so that equivalent relative paths compare equal.
    static func normalised(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.joined(separator: "/")
    }

    /// The last path component.
    static func fileName(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }
}
