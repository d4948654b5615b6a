import Foundation

/// Random numbers for workflow code that every replay draws again identically: the `k`-th number drawn after the
/// `n`-th command of a method derives from the workflow id, the method id, `n` and `k`.
///
/// ```swift
/// var random = context.random
/// let delay = Int.random(in: 1...6, using: &random)
/// let reference = random.uuid()
/// ```
public struct WorkflowRandom: RandomNumberGenerator, Sendable {
    let execution: WorkflowExecution

    public mutating func next() -> UInt64 {
        execution.nextRandom()
    }

    /// A random (version 4) UUID, the same on every replay.
    public mutating func uuid() -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        for half in 0..<2 {
            let word = next()
            for index in 0..<8 { bytes[half * 8 + index] = UInt8(truncatingIfNeeded: word >> (index * 8)) }
        }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
