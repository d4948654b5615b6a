import CJemalloc

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// jemalloc as the process' allocator. Linking this module (a worker executable depending on the
/// `InfiniticJemalloc` product, as `InfiniticWorkerCommand` and the examples do) puts jemalloc ahead of the C
/// library, so it serves every `malloc` of the process, Swift's runtime included.
///
/// Why: a worker allocates and frees many short-lived objects (messages, states, async frames), often freeing on
/// another thread than the one that allocated (tasks hop threads). glibc's allocator spends a sixth of a worker's
/// CPU on that; with jemalloc a workflow costs about a sixth less CPU (Benchmarks/README.md, "jemalloc linked"). Redis
/// itself runs on jemalloc for the same reasons.
public enum Jemalloc {
    /// Whether jemalloc serves this process' `malloc` (the C library's allocator does otherwise, e.g. on a
    /// platform where linking jemalloc does not replace it): the `malloc` the process resolves is jemalloc's.
    public static var servesMalloc: Bool {
        guard let jemalloc = dlopen("libjemalloc.so.2", RTLD_NOW | RTLD_NOLOAD) else { return false }
        defer { dlclose(jemalloc) }
        guard let own = dlsym(jemalloc, "malloc"), let used = dlsym(nil, "malloc") else { return false }
        return own == used
    }

    /// jemalloc's version (`mallctl("version")`), if it is linked.
    public static var version: String? {
        var pointer: UnsafePointer<CChar>?
        var length = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &pointer, &length, nil, 0) == 0, let pointer else { return nil }
        return String(cString: pointer)
    }

    /// What a worker logs about its allocator at start.
    public static var description: String {
        guard let version, servesMalloc else { return "the C library's malloc" }
        return "jemalloc \(version.split(separator: "-").first.map(String.init) ?? version)"
    }
}
