import Media
import Foundation

/// MNIST digits read from idx files (optionally gzip-compressed): 28x28 UInt8 images, labels 0...9.
///
/// Layout: `pixels[i * 784 + y * 28 + x]` for image `i`. The project convention for the 10,000-digit
/// t10k set in ../shared/data/mnist: digits 0..<8000 make training clips, 8000..<10000 test clips
/// (`MNIST.trainRange`, `MNIST.testRange`).
public struct MNIST: Sendable {
    /// Side of one digit image.
    public static let side = 28
    /// Digits used for training clips under the project convention.
    public static let trainRange = 0..<8000
    /// Digits used for test clips under the project convention.
    public static let testRange = 8000..<10000

    /// `[count * 28 * 28]`, row-major per image.
    public let pixels: [UInt8]
    /// `[count]`, each in 0...9.
    public let labels: [UInt8]

    /// Number of digits.
    public var count: Int { labels.count }

    /// Builds a set from in-memory arrays (pixels `[count * 784]`).
    public init(pixels: [UInt8], labels: [UInt8]) {
        precondition(pixels.count == labels.count * 784, "MNIST: \(pixels.count) pixels for \(labels.count) labels")
        self.pixels = pixels
        self.labels = labels
    }

    /// Reads an images idx3 file and a labels idx1 file (gzip or plain) and checks they agree.
    public init(images: URL, labels labelsURL: URL) throws {
        let imageData = try MNIST.readIdx(images, expectedMagic: 0x0000_0803)
        let labelData = try MNIST.readIdx(labelsURL, expectedMagic: 0x0000_0801)
        guard imageData.dims.count == 3, imageData.dims[1] == 28, imageData.dims[2] == 28 else {
            throw DatasetError.corrupt(images, "expected images of 28x28, header says \(imageData.dims.map(String.init).joined(separator: "x"))")
        }
        guard imageData.dims[0] == labelData.dims[0] else {
            throw DatasetError.corrupt(labelsURL, "\(labelData.dims[0]) labels for \(imageData.dims[0]) images in \(images.lastPathComponent)")
        }
        if let bad = labelData.body.firstIndex(where: { $0 > 9 }) {
            throw DatasetError.corrupt(labelsURL, "label \(labelData.body[bad]) at index \(bad) is not a digit 0...9")
        }
        self.pixels = imageData.body
        self.labels = labelData.body
    }

    /// Reads the idx pair found in `directory`: t10k-* first, else train-*; `.gz` or plain names.
    public init(directory: URL) throws {
        let fm = FileManager.default
        for prefix in ["t10k", "train"] {
            for suffix in [".gz", ""] {
                let img = directory.appendingPathComponent("\(prefix)-images-idx3-ubyte\(suffix)")
                let lab = directory.appendingPathComponent("\(prefix)-labels-idx1-ubyte\(suffix)")
                if fm.fileExists(atPath: img.path) && fm.fileExists(atPath: lab.path) {
                    try self.init(images: img, labels: lab)
                    return
                }
            }
        }
        guard fm.fileExists(atPath: directory.path) else { throw DatasetError.missingFile(directory) }
        throw DatasetError.corrupt(directory, "no t10k-/train-images-idx3-ubyte[.gz] with its labels file")
    }

    /// Digit `index` as a 28x28 gray image.
    public func image(at index: Int) -> Digit {
        Digit(mnist: self, index: index)
    }

    /// Indices of each class 0...9 within `range`.
    public func indicesByClass(in range: Range<Int>) -> [[Int]] {
        var result = [[Int]](repeating: [], count: 10)
        for i in range.clamped(to: 0..<count) { result[Int(labels[i])].append(i) }
        return result
    }

    /// Reads and checks one idx file: magic (type 0x08 = UInt8, rank), sizes, and body length.
    static func readIdx(_ url: URL, expectedMagic: UInt32) throws -> (dims: [Int], body: [UInt8]) {
        guard FileManager.default.fileExists(atPath: url.path) else { throw DatasetError.missingFile(url) }
        var data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError.corrupt(url, "cannot read (\(error.localizedDescription))")
        }
        if Gzip.isGzip(data) { data = try Gzip.inflate(data, file: url) }
        let bytes = [UInt8](data)
        guard bytes.count >= 4 else { throw DatasetError.corrupt(url, "too short for an idx header (\(bytes.count) bytes)") }
        func be32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
        }
        let magic = be32(0)
        guard magic == expectedMagic else {
            throw DatasetError.corrupt(url, String(format: "bad idx magic 0x%08X, expected 0x%08X", magic, expectedMagic))
        }
        let rank = Int(magic & 0xFF)
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else { throw DatasetError.corrupt(url, "idx header truncated") }
        let dims = (0..<rank).map { Int(be32(4 + 4 * $0)) }
        let expected = dims.reduce(1, *)
        guard bytes.count - headerSize == expected else {
            throw DatasetError.corrupt(url, "idx body has \(bytes.count - headerSize) bytes, header sizes \(dims) need \(expected)")
        }
        return (dims, Array(bytes[headerSize...]))
    }
}

extension MNIST {
    /// A view of one digit of a set; `gray` copies it into a `GrayImage`.
    public struct Digit: Sendable {
        let mnist: MNIST
        /// Index of the digit in its set.
        public let index: Int
        /// Class of the digit.
        public var label: Int { Int(mnist.labels[index]) }
        /// The 28x28 digit as an image.
        public var gray: GrayImage {
            let start = index * 784
            return GrayImage(width: 28, height: 28, pixels: Array(mnist.pixels[start..<start + 784]))
        }
    }
}
