//! The `cmod` command line: reads files, calls the compiler and the runtime, prints results.
fn main() {
    println!("cmod");
}
