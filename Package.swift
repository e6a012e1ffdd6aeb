// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "os-refresh-config",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "os-refresh-config", targets: ["os-refresh-config"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CSQLite",
      pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"])]
    ),
    // The few Linux calls Swift cannot make directly: variadic prctl, signalfd,
    // and a vfork/execve spawn that resets every signal in the child.
    .target(name: "CSystemShims"),
    .target(
      name: "RefreshStore",
      dependencies: ["CSQLite"],
      exclude: [],
      resources: [.embedInCode("Migrations")]
    ),
    .target(name: "RefreshRunner", dependencies: ["CSystemShims"]),
    // Bridges the two: records a run's events in the store.
    .target(name: "RunHistory", dependencies: ["RefreshRunner", "RefreshStore", "RunForensics"]),
    // What changed between runs: inputs (JSON keys, masked secrets), scripts, outputs.
    .target(name: "RunForensics", dependencies: ["RefreshStore"]),
    .executableTarget(
      name: "os-refresh-config",
      dependencies: [
        "RefreshRunner",
        "RefreshStore",
        "RunHistory",
        "RunForensics",
        "CSystemShims",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Fills a history with synthetic runs through the store's API, for bench/.
    .executableTarget(name: "orc-history-generator", dependencies: ["RefreshStore"]),
    .testTarget(name: "RefreshRunnerTests", dependencies: ["RefreshRunner"]),
    .testTarget(name: "RefreshStoreTests", dependencies: ["RefreshStore"]),
    .testTarget(name: "RunHistoryTests", dependencies: ["RunHistory"]),
    .testTarget(name: "RunForensicsTests", dependencies: ["RunForensics"]),
    .testTarget(
      name: "os-refresh-configTests",
      dependencies: ["os-refresh-config", "RefreshRunner", "RefreshStore"]
    ),
  ]
)
