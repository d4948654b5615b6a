import Foundation

/// A message that was given up on, with why and after how many deliveries.
public struct DeadLetter: Sendable, Hashable {
    /// The id of the dead-letter entry.
    public let id: String
    /// The id the message had in its topic.
    public let originalID: String
    public let topic: Topic
    public let group: String
    public let key: String?
    public let payload: [UInt8]
    public let reason: String
    public let deliveryCount: Int
    public let deadAt: Date

    public init(
        id: String, originalID: String, topic: Topic, group: String, key: String?, payload: [UInt8], reason: String,
        deliveryCount: Int, deadAt: Date
    ) {
        self.id = id
        self.originalID = originalID
        self.topic = topic
        self.group = group
        self.key = key
        self.payload = payload
        self.reason = reason
        self.deliveryCount = deliveryCount
        self.deadAt = deadAt
    }
}
