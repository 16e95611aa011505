#include "ui/shared/scanjob.h"

#include <QLocale>
#include <QObject>
#include <QStringList>

#include "core/project/projectstore.h"
#include "core/project/scanner.h"
#include "core/stats/projectstatistics.h"

namespace tessera::ui {

namespace {

QString scanSummary(const project::ScanReport& r) {
    const QLocale loc;
    QStringList parts;
    parts << QObject::tr("%1 images").arg(loc.toString(qlonglong(r.filesSeen)));
    if (r.added) parts << QObject::tr("%1 new").arg(loc.toString(qlonglong(r.added)));
    if (r.updated) parts << QObject::tr("%1 changed").arg(loc.toString(qlonglong(r.updated)));
    if (r.renamed) parts << QObject::tr("%1 renamed").arg(loc.toString(qlonglong(r.renamed)));
    if (r.missing) parts << QObject::tr("%1 missing").arg(loc.toString(qlonglong(r.missing)));
    if (r.unreadable) parts << QObject::tr("%1 unreadable").arg(loc.toString(qlonglong(r.unreadable)));
    if (r.labelsImported) parts << QObject::tr("%1 labels from folders").arg(loc.toString(qlonglong(r.labelsImported)));
    return QObject::tr("Scan %1 in %2 s: %3")
        .arg(r.cancelled ? QObject::tr("cancelled") : QObject::tr("finished"))
        .arg(r.seconds, 0, 'f', 1)
        .arg(parts.join(QStringLiteral(", ")));
}

}  // namespace

ScanOutcome scanProject(const QString& root, const JobContext& context) {
    auto store = project::ProjectStore::open(root.toStdString(), true);
    if (!store.ok()) return {false, QString::fromStdString(store.error())};
    auto report = project::Scanner::scan(*store, project::ScanOptions::defaults(), context);
    if (!report.ok()) return {false, QString::fromStdString(report.error())};
    QString summary = scanSummary(*report);

    // Derive TooSmall/Blurry/Duplicate flags once per scan so the grid can filter on them cheaply.
    if (!report->cancelled) {
        context.report({QObject::tr("statistics").toStdString()});
        auto images = store->images();
        auto statistics = stats::computeStatistics(*store);
        if (images.ok() && statistics.ok()) {
            const Status flagged = store->setFlags(stats::imageFlags(*images, *statistics));
            if (!flagged.ok())
                summary += QObject::tr(" (health flags not saved: %1)").arg(QString::fromStdString(flagged.error()));
        } else {
            const std::string& why = images.ok() ? statistics.error() : images.error();
            summary += QObject::tr(" (health flags not computed: %1)").arg(QString::fromStdString(why));
        }
    }
    return {true, summary};
}

}  // namespace tessera::ui
