import Foundation

/// Where the binaries under test are.
public enum Binaries {
  /// Our built binary, beside the test bundle in the build directory.
  public static let ours: String = {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("os-refresh-config").path
  }()

  /// The package's root directory.
  public static let packageRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
  }()

  /// The virtualenv holding the reference (os-refresh-config 14.1.0 and
  /// dib-utils 0.0.11): `$ORC_REFERENCE_VENV`, else `.build/reference`,
  /// which `scripts/install-reference` (run by .ci/run) makes.
  public static let referenceBin: String = {
    let venv = ProcessInfo.processInfo.environment["ORC_REFERENCE_VENV"] ?? packageRoot + "/.build/reference"
    return venv + "/bin"
  }()

  public static var reference: String { referenceBin + "/os-refresh-config" }

  public static var referenceIsInstalled: Bool { FileManager.default.isExecutableFile(atPath: reference) }

  /// A minimal environment: PATH with the reference's bin first (it finds
  /// dib-run-parts there), the history database at `database` (never the
  /// machine's own), no metrics file (never node_exporter's directory, which
  /// CI installs), no watched files (never the machine's /etc; a test that
  /// watches names its own directory), plus `extra`.
  public static func environment(database: String, _ extra: [String: String] = [:]) -> [String: String] {
    var environment = [
      "OS_REFRESH_CONFIG_DB": database, "OS_REFRESH_CONFIG_METRICS_FILE": "", "OS_REFRESH_CONFIG_WATCH_PATHS": "",
      "PATH": referenceBin + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
    ]
    environment.merge(extra) { $1 }
    return environment
  }
}
