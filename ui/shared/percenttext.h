#pragma once
// A share (0..1) as people read it in the window: "95.6 %" (a space before the sign, as the user guide writes it).
#include <QString>

namespace tessera::ui {

inline QString percentText(double share, int decimals = 1) {
    return QString::number(100.0 * share, 'f', decimals) + QStringLiteral(" %");
}

}  // namespace tessera::ui
