"""A test fixture: a port whose framework fails to import, as a broken install would."""

raise ImportError("simulated: libtorch_cpu.so: cannot open shared object file")
