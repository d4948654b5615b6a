import Foundation

/// A message handed to a consumer.
public struct ReceivedMessage: Sendable, Hashable {
    /// The broker's id of this entry (a stream id on Redis).
    public let id: String
    public let topic: Topic
    public let key: String?
    public let payload: [UInt8]
    /// How many times this message has been handed to a handler, this time included (1 on first delivery).
    /// It grows when a consumer dies or times out holding it, and when its handler asks for a retry.
    public let deliveryCount: Int
    /// When the producer published it (its clock), if known.
    public let publishedAt: Date?
    /// The partition it was read from.
    public let partition: Int

    public init(
        id: String, topic: Topic, key: String?, payload: [UInt8], deliveryCount: Int, publishedAt: Date?,
        partition: Int = 0
    ) {
        self.id = id
        self.topic = topic
        self.key = key
        self.payload = payload
        self.deliveryCount = deliveryCount
        self.publishedAt = publishedAt
        self.partition = partition
    }
}
