import Foundation
import COpenBLAS

/// Which OpenBLAS kernel family runs the GEMMs. OpenBLAS built with DYNAMIC_ARCH picks it from
/// the CPU's family and model when it loads; a CPU newer than the library (Debian 12's 0.3.21
/// on a family 6 model 207 Xeon) falls back to the generic SSE3 kernel, "Prescott", which ran
/// sgemm at 18-33 GFLOP/s where the AVX-512 kernel ran 75-177 on the same shapes (4-5x). The
/// choice can only be made before the library loads (`OPENBLAS_CORETYPE`), so the commands
/// that run networks start themselves again with it when the fallback meets a CPU that has
/// the better kernel's instructions. A user who sets `OPENBLAS_CORETYPE` keeps their choice.
public enum BLASCore {
    /// The kernel family OpenBLAS runs ("SkylakeX", "Haswell", "Zen", "Prescott", ...).
    public static var name: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// The cores OpenBLAS falls back to when it does not know the CPU.
    static let fallbacks: Set<String> = ["prescott", "core2", "katmai", "coppermine", "northwood", "banias", "atom"]

    /// The kernel to ask for instead of `core`, given the CPU's feature flags (as
    /// /proc/cpuinfo names them), or nil to keep it.
    public static func preferred(over core: String, flags: Set<String>) -> String? {
        guard fallbacks.contains(core.lowercased()) else { return nil }
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    /// The CPU's feature flags, from the first processor of /proc/cpuinfo (empty elsewhere).
    public static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Starts this process again with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to a
    /// generic kernel on a CPU that runs a faster one; returns (doing nothing) otherwise, or
    /// if the restart fails. Call first thing in `main`, before any thread starts.
    public static func restartWithTheFastestKernel() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, let better = preferred(over: name, flags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OPENBLAS_CORETYPE")  // exec failed: carry on with the kernel we have
    }
}
