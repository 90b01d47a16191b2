"""Many schools on one installation: the 中心学校's and the education bureau's read-only view
across schools (side by side, 评比, the roll-up summary), and the installation's registrar who
creates schools. Nothing here edits a school's children."""
