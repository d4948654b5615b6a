/// An `await` the method went past. If it had to wait, `resumption` records the workflow task that resumed
/// the method after it; if its outcome was already known when reached, `resumption` is nil.
@BinaryWritable
@BinaryReadable
public struct PastStep: Sendable, Hashable, Codable {
    public var position: Int
    public var step: StepSpec
    public var resumption: Resumption?

    public init(position: Int, step: StepSpec, resumption: Resumption? = nil) {
        self.position = position
        self.step = step
        self.resumption = resumption
    }
}
