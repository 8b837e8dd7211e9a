import Tensors

/// A recurrent cell: a state updated by one input at a time.
///
/// `zeroState(for:)` makes the all-zero initial state matching an input's batch (and spatial) size,
/// `step` applies one update, `sequence` unrolls over a list of inputs (time-major) and returns
/// every intermediate state (the last is the final state).
public protocol RecurrentCell: Module {
    associatedtype State
    /// The zero state for a batch shaped like `input` (one time step).
    func zeroState(for input: Tensor) -> State
    /// One update: state_t = cell(x_t, state_{t-1}).
    func step(_ input: Tensor, _ state: State) -> State
}

extension RecurrentCell {
    /// Unrolls over `inputs` (one tensor per time step) from `initial` (zeros when nil).
    public func sequence(_ inputs: [Tensor], initial: State? = nil) -> [State] {
        guard let first = inputs.first else { return [] }
        var state = initial ?? zeroState(for: first)
        var states: [State] = []
        states.reserveCapacity(inputs.count)
        for x in inputs {
            state = step(x, state)
            states.append(state)
        }
        return states
    }
}

/// x W^T + b for the recurrent cells: x `[B, in]`, W `[out, in]`, b `[out]` -> `[B, out]`.
func affineRows(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?) -> Tensor {
    let y = Tensor.matmul(x, weight, transposeB: true)
    return bias.map { y + $0 } ?? y
}
