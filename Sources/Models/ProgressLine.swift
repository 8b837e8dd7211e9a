import Foundation

/// A progress bar on standard error: redrawn in place on a terminal, one plain line every
/// `interval` seconds otherwise (log files stay readable).
public final class ProgressLine {
    public let total: Int
    public let label: String
    private let isTerminal = isatty(2) != 0
    private let interval: Double
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let startCount: Int

    /// `startCount`: units already done before this process (excluded from the rate).
    public init(label: String, total: Int, startCount: Int = 0, interval: Double? = nil) {
        self.label = label
        self.total = total
        self.startCount = startCount
        self.interval = interval ?? (isatty(2) != 0 ? 0.2 : 30)
    }

    /// Seconds since creation.
    public var elapsed: Double { Date().timeIntervalSince(start) }

    /// Redraws when due (or when `force`); `rateUnit` scales done/s (e.g. clips per step).
    public func update(done: Int, rateScale: Double = 1, rateUnit: String = "/s", detail: String = "", force: Bool = false) {
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let seconds = max(now.timeIntervalSince(start), 1e-9)
        let rate = Double(done - startCount) / seconds
        let remaining = rate > 0 ? Double(total - done) / rate : .infinity
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 24, filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = String(format: "%@ [%@] %d/%d %5.1f%% %.1f%@ ETA %@%@", label, bar, done, total, fraction * 100,
                          rate * rateScale, rateUnit, Self.duration(remaining), detail.isEmpty ? "" : " " + detail)
        let text = isTerminal ? "\r\u{1B}[K" + line : line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Ends the in-place line on a terminal.
    public func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// `1h02m`, `3m05s`, `12s`, or `?`.
    public static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "?" }
        let t = Int(s.rounded())
        if t >= 3600 { return String(format: "%dh%02dm", t / 3600, (t % 3600) / 60) }
        if t >= 60 { return String(format: "%dm%02ds", t / 60, t % 60) }
        return "\(t)s"
    }
}
