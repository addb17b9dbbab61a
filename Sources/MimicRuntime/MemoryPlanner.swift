/// MimicRuntime runs graphs: it plans a verified graph for a batch (kernels in order, where
/// every value lives, one planned arena), and its executor binds each kernel once and runs
/// the steps; optimizers, initialisers and the reference interpreter live here too.

/// A buffer to place in the arena: its size and the kernels during which it must hold its
/// contents (from the kernel that writes it through the last kernel that reads it).
public struct BufferRequest: Sendable, Equatable {
    public var bytes: Int
    public var firstKernel: Int
    public var lastKernel: Int

    public init(bytes: Int, firstKernel: Int, lastKernel: Int) {
        self.bytes = bytes
        self.firstKernel = firstKernel
        self.lastKernel = lastKernel
    }

    public func overlapsInTime(_ other: BufferRequest) -> Bool {
        firstKernel <= other.lastKernel && other.firstKernel <= lastKernel
    }
}

/// Assigns arena offsets so that buffers alive at the same time never share bytes.
/// Greedy by size: the largest buffers are placed first, each at the lowest offset that
/// clears every already-placed buffer whose lifetime intersects its own. Offsets are
/// aligned to 64 bytes, a cache line and an AVX-512 vector.
public enum MemoryPlanner {
    public static let alignment = 64

    public static func plan(_ requests: [BufferRequest]) -> (offsets: [Int], arenaBytes: Int) {
        var offsets = [Int](repeating: 0, count: requests.count)
        var placed: [Int] = []
        let order = requests.indices.sorted {
            (requests[$0].bytes, -$0) > (requests[$1].bytes, -$1)
        }
        var arena = 0
        for i in order {
            let request = requests[i]
            // Conflicting intervals sorted by offset; take the first gap large enough.
            let conflicts = placed.filter { requests[$0].overlapsInTime(request) }
                .map { (offsets[$0], offsets[$0] + requests[$0].bytes) }.sorted { $0.0 < $1.0 }
            var candidate = 0
            for (start, end) in conflicts {
                if candidate + request.bytes <= start { break }
                candidate = max(candidate, align(end))
            }
            offsets[i] = candidate
            placed.append(i)
            arena = max(arena, candidate + request.bytes)
        }
        return (offsets, align(arena))
    }

    static func align(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}
