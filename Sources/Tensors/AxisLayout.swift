/// Views a shape as [outer, axis, inner] around one axis: the layout every per-axis op iterates.
struct AxisLayout {
    let outer: Int
    let extent: Int
    let inner: Int

    init(shape: [Int], axis: Int) {
        outer = shape[..<axis].reduce(1, *)
        extent = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
    }
}
