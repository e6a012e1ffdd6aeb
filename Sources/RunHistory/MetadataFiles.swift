import MetadataDocuments
import SystemInterface

/// The metadata files a refresh's scripts read, as os-apply-config 14.1.0
/// finds them (its `apply_config.py` and `collect_config.py`), each with
/// where its name came from.
///
/// With `OS_CONFIG_FILES` in the environment (even empty), its colon-separated
/// paths. Without it — a refresh run by hand — the JSON list in
/// `$OS_CONFIG_FILES_PATH` (default `/var/lib/os-collect-config/os_config_files.json`),
/// or, when that gives none and is the default, the older
/// `/var/run/os-collect-config/os_config_files.json`. Before either, in every
/// case, the fallback metadata os-apply-config always reads, those that exist.
enum MetadataFiles {
  static let defaultListPath = "/var/lib/os-collect-config/os_config_files.json"
  static let oldListPath = "/var/run/os-collect-config/os_config_files.json"
  static let fallbackPaths = [
    "/var/cache/heat-cfntools/last_metadata", "/var/lib/heat-cfntools/cfn-init-data",
    "/var/lib/cloud/data/cfn-init-data",
  ]
  /// The source recorded for fallback metadata.
  static let fallbackSource = "fallback-metadata"
  /// The source recorded for names from the environment.
  static let environmentSource = "OS_CONFIG_FILES"

  /// The files, in the order os-apply-config merges them, with their sources.
  static func resolve(_ environment: [String: String]) -> [(path: String, source: String)] {
    let fallback = fallbackPaths.filter { access($0, F_OK) == 0 }.map { ($0, fallbackSource) }
    if let variable = environment["OS_CONFIG_FILES"] {
      return fallback + variable.split(separator: ":").map { (String($0), environmentSource) }
    }
    let listPath = environment["OS_CONFIG_FILES_PATH"] ?? defaultListPath
    var list = names(in: listPath).map { ($0, listPath) }
    if list.isEmpty && listPath == defaultListPath { list = names(in: oldListPath).map { ($0, oldListPath) } }
    return fallback + list
  }

  /// The paths a JSON list file names; none when it is missing or not a list of strings.
  private static func names(in listPath: String) -> [String] {
    guard let (bytes, complete) = try? SmallFile.read(listPath, limit: 1 << 20), complete,
      case .array(let values)? = JSONValue.parse(bytes)
    else { return [] }
    return values.compactMap {
      if case .string(let path) = $0, !path.isEmpty { return path }
      return nil
    }
  }
}
