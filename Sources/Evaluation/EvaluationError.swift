import Foundation

/// Failures of the evaluation inputs and outputs that a user can cause.
public enum EvaluationError: Error, LocalizedError, Equatable {
    /// A folder that must exist does not.
    case missingFolder(String)
    /// A file could not be read or parsed.
    case unreadable(String, String)
    /// A prediction mask has a different size than its ground truth.
    case sizeMismatch(prediction: String, predictionSize: String, groundTruthSize: String)
    /// A requested sequence has no ground truth.
    case unknownSequence(String, root: String)
    /// No sequence to evaluate.
    case noSequences(String)
    /// A malformed line in a predictions or labels file.
    case badLine(file: String, line: Int, reason: String)

    public var errorDescription: String? {
        switch self {
        case .missingFolder(let path): return "\(path): no such folder"
        case .unreadable(let path, let why): return "\(path): cannot read (\(why))"
        case let .sizeMismatch(p, ps, gs): return "\(p): prediction is \(ps) but the ground truth is \(gs)"
        case let .unknownSequence(s, root): return "\(root): no ground truth for sequence '\(s)'"
        case .noSequences(let root): return "\(root): no sequences to evaluate"
        case let .badLine(file, line, reason): return "\(file):\(line): \(reason)"
        }
    }
}
