import XCTest
@testable import Models
import Tensors

/// The Swift RSTG matches the PyTorch peer (tools/reference/rstg_torch.py) on the same weights and clips.
final class RSTGTorchGoldenTests: XCTestCase {
    func fixture(_ name: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil), "missing fixture \(name)")
    }

    func testRSTGLogitsMatchPyTorch() throws {
        let loaded = try ModelRegistry.load(try fixture("rstg_tiny.safetensors").path)
        XCTAssertEqual(loaded.config.kind, "rstg")
        XCTAssertTrue(loaded.config.architecture.positional)
        let golden = try SafeTensors.read(try fixture("rstg_tiny_golden.safetensors"))
        let clips = try golden.tensor(named: "clips")
        let expected = try golden.tensor(named: "logits")
        XCTAssertEqual(clips.shape, [1, 10, 1, 64, 64])
        let logits = GradMode.disabled { loaded.model.logits(clips) }
        XCTAssertEqual(logits.shape, expected.shape)
        for i in 0..<expected.count {
            XCTAssertEqual(logits.data[i], expected.data[i], accuracy: 1e-4, "logit \(i)")
        }
    }

    /// Residual steps and BatchNorm in the backbone (evaluation mode: running statistics).
    func testResidualBatchNormRSTGLogitsMatchPyTorch() throws {
        let loaded = try ModelRegistry.load(try fixture("rstg_tiny_residual.safetensors").path)
        XCTAssertTrue(loaded.config.architecture.residual)
        XCTAssertEqual(loaded.config.architecture.backboneNorm, "batch")
        let golden = try SafeTensors.read(try fixture("rstg_tiny_residual_golden.safetensors"))
        let clips = try golden.tensor(named: "clips")
        let expected = try golden.tensor(named: "logits")
        let logits = GradMode.disabled { loaded.model.logits(clips) }
        XCTAssertEqual(logits.shape, expected.shape)
        let spread = expected.data.max()! - expected.data.min()!
        XCTAssertGreaterThan(spread, 0.1, "the golden logits must depend on the features")
        for i in 0..<expected.count {
            XCTAssertEqual(logits.data[i], expected.data[i], accuracy: 1e-4, "logit \(i)")
        }
    }

    /// CoordConv input channels (`coordinates: true`) on top of residual steps and BatchNorm.
    func testCoordinateChannelRSTGLogitsMatchPyTorch() throws {
        let loaded = try ModelRegistry.load(try fixture("rstg_tiny_coord.safetensors").path)
        XCTAssertTrue(loaded.config.architecture.coordinates)
        try assertLogitsMatch(loaded, golden: "rstg_tiny_coord_golden.safetensors")
    }

    /// Each frame stacked with its predecessor (`previous_frame: true`), two clips (the time-major
    /// shift must not mix clips).
    func testPreviousFrameRSTGLogitsMatchPyTorch() throws {
        let loaded = try ModelRegistry.load(try fixture("rstg_tiny_previous.safetensors").path)
        XCTAssertTrue(loaded.config.architecture.previousFrame)
        try assertLogitsMatch(loaded, golden: "rstg_tiny_previous_golden.safetensors", clips: 2)
    }

    /// Two Lucas-Kanade flow channels per frame (`flow: true`), two clips: the PyTorch peer computes
    /// the flow with its NumPy twin of `OpticalFlow` (tools/reference/rstg_torch.py `lucas_kanade`).
    func testFlowRSTGLogitsMatchPyTorch() throws {
        let loaded = try ModelRegistry.load(try fixture("rstg_tiny_flow.safetensors").path)
        XCTAssertTrue(loaded.config.architecture.flow)
        try assertLogitsMatch(loaded, golden: "rstg_tiny_flow_golden.safetensors", clips: 2)
    }

    /// The same model with `flow_warp: windowed` (Lucas-Kanade proper): the peer's NumPy twin
    /// `lucas_kanade(..., warp="windowed")`; the fixture's weights are those of `rstg_tiny_flow`, so
    /// its golden logits must differ from that fixture's for the same clips.
    func testWindowedFlowRSTGLogitsMatchPyTorch() throws {
        let loaded = try ModelRegistry.load(try fixture("rstg_tiny_flow_windowed.safetensors").path)
        XCTAssertEqual(loaded.config.architecture.flowWarp, .windowed)
        try assertLogitsMatch(loaded, golden: "rstg_tiny_flow_windowed_golden.safetensors", clips: 2)
        let windowed = try SafeTensors.read(try fixture("rstg_tiny_flow_windowed_golden.safetensors"))
        let pixelwise = try SafeTensors.read(try fixture("rstg_tiny_flow_golden.safetensors"))
        XCTAssertEqual(try windowed.tensor(named: "clips").data, try pixelwise.tensor(named: "clips").data)
        let difference = zip(try windowed.tensor(named: "logits").data, try pixelwise.tensor(named: "logits").data).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(difference, 1e-3, "the two flows must give different logits")
    }

    /// The pairwise synchrony readout (`readout: synchrony`) on top of residual steps and BatchNorm,
    /// two clips: the peer's `pair_votes`.
    func testSynchronyReadoutRSTGLogitsMatchPyTorch() throws {
        let loaded = try ModelRegistry.load(try fixture("rstg_tiny_pairs.safetensors").path)
        XCTAssertEqual(loaded.config.architecture.readout, "synchrony")
        let gamma = try XCTUnwrap((loaded.model as? RSTGClassifier)?.pairReadout?.gamma.data.first)
        XCTAssertEqual(gamma, 0.3, "the fixture's readout scale must be non-zero")
        try assertLogitsMatch(loaded, golden: "rstg_tiny_pairs_golden.safetensors", clips: 2)
    }

    func assertLogitsMatch(_ loaded: LoadedModel, golden name: String, clips count: Int = 1) throws {
        let golden = try SafeTensors.read(try fixture(name))
        let clips = try golden.tensor(named: "clips")
        let expected = try golden.tensor(named: "logits")
        XCTAssertEqual(clips.shape[0], count)
        let logits = GradMode.disabled { loaded.model.logits(clips) }
        XCTAssertEqual(logits.shape, expected.shape)
        XCTAssertGreaterThan(expected.data.max()! - expected.data.min()!, 0.1, "the golden logits must depend on the features")
        for i in 0..<expected.count {
            XCTAssertEqual(logits.data[i], expected.data[i], accuracy: 1e-4, "logit \(i)")
        }
    }
}
