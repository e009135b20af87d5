// doctest's main. The same test sources run natively and as WebAssembly under Node (ctest).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
