//! Entry point of the page built by trunk.

#[cfg(target_arch = "wasm32")]
fn main() {
    aiwatch_playground::app::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("aiwatch-playground runs in a browser: build it with `trunk build --release` in playground/ (see playground/README.md)");
    std::process::exit(2);
}
