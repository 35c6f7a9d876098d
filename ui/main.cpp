#include "ui/cli.hpp"

int main(int argc, char** argv) { return loopscope::ui::run_cli(argc, argv); }
