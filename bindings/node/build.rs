fn main() {
    // On linux-gnu this links with `-z nodelete`, so unloading the addon (a worker thread
    // ending) cannot leave dangling thread-local destructors behind.
    napi_build::setup();
}
