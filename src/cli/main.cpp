#include "cli/commands.hpp"

int main(int argc, char** argv) {
  return lambdascope::cli::run(argc, argv);
}
