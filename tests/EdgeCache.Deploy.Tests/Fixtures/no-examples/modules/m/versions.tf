# versions
