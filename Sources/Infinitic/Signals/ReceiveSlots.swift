/// The commands of a receive: a `receive(limit: n)` recorded as command `R` is `n` commands, one per signal it
/// buffers: `R` for the first, `R#2` ... `R#n` for the next (recorded at the receive's position). The `k`-th
/// await of the receive waits on slot `min(k, n)`, so after the limit the last signal repeats.
enum ReceiveSlots {
    static func id(_ receiveId: String, slot: Int) -> String {
        slot <= 1 ? receiveId : "\(receiveId)#\(slot)"
    }
}
