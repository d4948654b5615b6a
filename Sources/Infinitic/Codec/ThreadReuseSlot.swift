#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One object of type `Object` kept per thread for reuse (a thread-specific slot): the codec keeps there the
/// writer and the decoding state of its last call, with their buffers. Taking empties the slot, so a call nested
/// in another (a payload coded inside a value) makes its own. The object of a thread that ends is released.
final class ThreadReuseSlot<Object: AnyObject>: @unchecked Sendable {
    // (Unchecked: the key is an immutable integer; each thread only reaches its own slot.)
    private let key: pthread_key_t

    init() {
        var key = pthread_key_t()
        let created = pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
        }
        precondition(created == 0, "pthread_key_create failed: \(created)")
        self.key = key
    }

    /// The thread's object, taken out of the slot; nil if there is none.
    func take() -> Object? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        pthread_setspecific(key, nil)
        return Unmanaged<Object>.fromOpaque(pointer).takeRetainedValue()
    }

    /// Keeps `object` for this thread, unless the slot holds one already.
    func put(_ object: Object) {
        guard pthread_getspecific(key) == nil else { return }
        pthread_setspecific(key, Unmanaged.passRetained(object).toOpaque())
    }
}
